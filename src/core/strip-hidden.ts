/**
 * Removes content a reader of the rendered comment cannot see but an agent would: HTML comments,
 * zero-width and bidirectional-control characters. Hidden instructions are a known prompt-injection
 * route into coding agents, so everything that reaches the prompt goes through here.
 */
const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
// Zero-width, soft hyphen, word joiners, bidi embeddings/overrides/isolates, BOM, tag characters.
const INVISIBLE =
  /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]|\uDB40[\uDC00-\uDC7F]/g;

export function stripHidden(text: string): string {
  return text.replace(HTML_COMMENT, "").replace(INVISIBLE, "");
}
