/** A positive integer path parameter, or undefined (the caller answers 404, as GitHub does). */
export function parseNumber(value: string | readonly string[] | undefined): number | undefined {
  if (typeof value !== "string" || !/^[1-9]\d{0,15}$/.test(value)) return undefined;
  return Number(value);
}
