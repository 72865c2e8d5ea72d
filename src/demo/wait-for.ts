/**
 * Polls until `probe` returns a value other than undefined/false. Bounded: gives up after timeoutMs
 * with an error naming what it waited for.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline; i++) {
    const value = await probe();
    if (value !== undefined && value !== false && value !== null) return value;
    await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** Math.min(i, 3), 200)));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
