/**
 * Escapes text for HTML element content and double- or single-quoted attribute values. Every
 * dynamic string on a page goes through this (or through renderMarkdown, which escapes itself).
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
