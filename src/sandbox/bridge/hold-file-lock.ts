/**
 * An exclusive lock on a file held until released, for a holder that cannot put its work in one
 * callback (the bridge holds its session's lock across the whole run). Built on withFileLock, so it
 * is the same flock(1) lock with the same guarantees: the kernel drops it when this process exits.
 */
import { type FileLockOptions, withFileLock } from "./file-lock.js";

export type HeldLock = {
  /** Lets the lock go; resolves once it is released. Calling it again does nothing more. */
  release(): Promise<void>;
};

/** Resolves once the lock on `file` is held; rejects with a FileLockError if it cannot be had in time. */
export function holdFileLock(file: string, opts: FileLockOptions): Promise<HeldLock> {
  return new Promise((resolve, reject) => {
    let letGo!: () => void;
    const released = new Promise<void>((r) => {
      letGo = r;
    });
    const held = withFileLock(file, opts, async () => {
      resolve({
        release: async () => {
          letGo();
          await held;
        },
      });
      await released;
    });
    // Before the lock is had this is the FileLockError; after, withFileLock only releases.
    held.catch(reject);
  });
}
