import { createPrivateKey } from "node:crypto";
import { SetupError } from "./setup-error.js";

/**
 * GitHub hands out an App's key as PKCS#1 (`BEGIN RSA PRIVATE KEY`); workerd's WebCrypto, which signs
 * the App's JWTs in the Worker, imports only PKCS#8 (`BEGIN PRIVATE KEY`). Same key, other wrapping.
 */
export function toPkcs8(pem: string): string {
  try {
    return createPrivateKey(pem).export({ type: "pkcs8", format: "pem" }).toString();
  } catch (error) {
    throw new SetupError(
      `The private key GitHub returned could not be read (${error instanceof Error ? error.message : String(error)}). ` +
        "Generate a new key on the App's settings page and convert it with: openssl pkcs8 -topk8 -nocrypt -in app.pem",
    );
  }
}
