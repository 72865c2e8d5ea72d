/**
 * The repository config, kept for a short while per app instance (so per session object): a burst
 * of calls in one thread reads `.github/understudy.yml` once instead of twice per call (the file and
 * the owner's fallback). A failed read is not kept, so the next delivery tries again. A change to
 * the file applies within `ttlMs`.
 */
export type ConfigCache<T> = (key: string, load: () => Promise<T>) => Promise<T>;

export const CONFIG_TTL_MS = 60_000;

export function configCache<T>(ttlMs = CONFIG_TTL_MS, now: () => number = Date.now): ConfigCache<T> {
  const kept = new Map<string, { at: number; value: Promise<T> }>();
  return (key, load) => {
    const hit = kept.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    const value = load();
    kept.set(key, { at: now(), value });
    value.catch(() => {
      if (kept.get(key)?.value === value) kept.delete(key);
    });
    return value;
  };
}
