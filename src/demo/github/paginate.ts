/**
 * GitHub's page-number pagination: `per_page` (default 30, max 100) and `page`, with a Link header
 * carrying `next` and `last` so Octokit's paginate() walks it.
 */
export function paginate<T>(
  request: Request,
  items: readonly T[],
): { page: T[]; headers: Record<string, string> } {
  const url = new URL(request.url);
  const perPage = clamp(Number(url.searchParams.get("per_page") ?? 30), 1, 100);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const page = clamp(Number(url.searchParams.get("page") ?? 1), 1, Number.MAX_SAFE_INTEGER);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const link = (p: number, rel: string) => {
    const u = new URL(url);
    u.searchParams.set("per_page", String(perPage));
    u.searchParams.set("page", String(p));
    return `<${u.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"), link(1, "first"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  return { page: slice, headers: links.length > 0 ? { link: links.join(", ") } : {} };
}

function clamp(n: number, min: number, max: number): number {
  if (!Number.isFinite(n)) return min;
  return Math.min(max, Math.max(min, Math.floor(n)));
}
