/**
 * Splits an agent CLI's stdout into lines as chunks arrive: a line cut across chunks is held until its
 * end, and one longer than `maxChars` is dropped whole (no event is worth holding that much in memory).
 */
export function lineSplitter(
  onLine: (line: string) => void,
  maxChars: number,
): { push: (chunk: string) => void; end: () => void } {
  let pending = "";
  let skipping = false;
  return {
    push: (chunk) => {
      const parts = chunk.split("\n");
      const last = parts.pop() ?? "";
      for (const part of parts) {
        if (!skipping) onLine(pending + part);
        pending = "";
        skipping = false;
      }
      if (skipping) return;
      pending += last;
      if (pending.length > maxChars) {
        pending = "";
        skipping = true;
      }
    },
    end: () => {
      if (!skipping && pending) onLine(pending);
      pending = "";
    },
  };
}
