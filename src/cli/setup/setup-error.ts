/**
 * A failure of `npm run setup` whose message is written for the person running it: what went wrong
 * and what to do next. Anything else that escapes is a bug and is printed with its stack.
 */
export class SetupError extends Error {
  override name = "SetupError";
}
