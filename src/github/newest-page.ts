/**
 * Which page to ask for so that one request returns (at least) the newest `want` of `total` items,
 * under GitHub's page-number pagination (`per_page` ≤ 100, oldest first). The last page of 100 may
 * hold only a few items, so the page size is chosen to leave at least `want` on the last page.
 */
export function newestPage(total: number, want: number, max = 100): { per_page: number; page: number } {
  if (total <= max) return { per_page: max, page: 1 };
  for (let size = max; size >= want; size--) {
    const onLast = total % size;
    if (onLast === 0 || onLast >= want) return { per_page: size, page: Math.ceil(total / size) };
  }
  return { per_page: max, page: Math.ceil(total / max) };
}
