/** `1,234`. Locale-independent grouping: workerd and Node may not agree on Intl defaults. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
