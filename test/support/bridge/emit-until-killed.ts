/**
 * A bridge that is about to be killed, for the event spool tests:
 * `node --import tsx test/support/bridge/emit-until-killed.ts`, configured by SPOOL_URL, SPOOL_TOKEN,
 * SPOOL_PATH and SPOOL_SESSION. It emits `child <seq>` events through a spooled event stream, 25 at a
 * time, and prints the last seq emitted after each round, until the test kills it or it has emitted
 * SPOOL_LIMIT (then it drains and exits).
 */
import { createEventStream } from "../../../src/sandbox/bridge/event-stream.js";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const stream = createEventStream({
  url: env("SPOOL_URL"),
  token: env("SPOOL_TOKEN"),
  startSeq: 0,
  backoffInitialMs: 10,
  backoffMaxMs: 50,
  spool: { path: env("SPOOL_PATH"), sessionId: env("SPOOL_SESSION"), run: 1 },
});
const limit = Number(process.env.SPOOL_LIMIT ?? 100_000);

let seq = 0;
while (seq < limit) {
  for (let i = 0; i < 25; i++)
    seq = stream.emit({ type: "assistant_text", data: { text: `child ${seq + 1}` } }).seq;
  process.stdout.write(`${seq}\n`);
  await new Promise((resolve) => setTimeout(resolve, 1));
}
const drained = await stream.drain(10_000);
stream.close();
process.exit(drained ? 0 : 1);
