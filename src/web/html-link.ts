import { escapeHtml as e } from "../core/escape-html.js";

/**
 * A link, only to http(s): these URLs come from events and session fields, and a sandbox is not
 * trusted to send safe ones. Anything else is shown as its text. `htmlIsMarkup` says `html` is
 * already markup (it is escaped otherwise).
 */
export function htmlLink(url: string, html: string, htmlIsMarkup = false): string {
  const text = htmlIsMarkup ? html : e(html);
  if (!/^https?:\/\//i.test(url)) return text;
  return `<a href="${e(url)}" rel="nofollow noopener noreferrer">${text}</a>`;
}
