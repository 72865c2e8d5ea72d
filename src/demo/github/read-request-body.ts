import type { IncomingMessage } from "node:http";

/** GitHub caps REST request bodies well below this; anything larger is a bug in the caller. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;

export async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
