/**
 * Removes content a reader of the rendered comment cannot see but an agent would: HTML comments and
 * invisible characters. Hidden instructions are a known prompt-injection route into coding agents,
 * so everything that reaches the prompt (or is quoted back in a comment) goes through here.
 *
 * Invisible means: every Unicode format character (category Cf: zero-width spaces and joiners, the
 * bidi embeddings, overrides, isolates and marks such as U+061C, the interlinear annotation
 * characters U+FFF9–U+FFFB, BOM, soft hyphen, tag characters U+E0000–U+E007F, …), the combining
 * grapheme joiner U+034F, the Hangul and halfwidth fillers (U+115F, U+1160, U+3164, U+FFA0), the
 * Mongolian free variation selectors and the variation selectors, which render as nothing: every
 * Default_Ignorable_Code_Point, unassigned ones included (U+E0000, U+E0080–U+E0FFF), since a
 * renderer that does not know them shows nothing either.
 */
const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
const INVISIBLE = /\p{Cf}|\p{Default_Ignorable_Code_Point}/gu;

export function stripHidden(text: string): string {
  return text.replace(HTML_COMMENT, "").replace(INVISIBLE, "");
}
