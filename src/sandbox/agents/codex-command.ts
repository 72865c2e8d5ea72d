/**
 * Reads the command line Codex reports for a command it ran. Codex runs the model's command through
 * a shell and reports the whole argv, quoted for a POSIX shell (0.169.0: `/bin/bash -c 'cat NOTES.md'`,
 * with `"…"` and `'…'` mixed when the script holds quotes), while the transcript should show what
 * the model wrote.
 */

/**
 * The script of a `<shell> -c <script>` command line (`-lc` when Codex runs login shells); any other
 * command line whole.
 */
export function innerCommand(command: string): string {
  const words = shellWords(command);
  if (words?.length === 3 && /(^|\/)(ba|z|da)?sh$/.test(words[0]!) && /^-(l?c|cl)$/.test(words[1]!)) {
    return words[2]!;
  }
  return command;
}

/**
 * Splits a POSIX shell command line into words, undoing its quoting: '…' is literal, "…" keeps a
 * backslash only before $ ` " \ or a newline, and a bare backslash quotes the next character.
 * Null when a quote is left open.
 */
function shellWords(line: string): string[] | null {
  const words: string[] = [];
  let word: string | null = null;
  // One pass; every branch advances i.
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return null;
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let text = "";
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const next = line[j + 1];
        if (line[j] === "\\" && next !== undefined && '$`"\\\n'.includes(next)) {
          if (next !== "\n") text += next;
          j++;
        } else text += line[j];
      }
      if (j >= line.length) return null;
      word = (word ?? "") + text;
      i = j;
    } else if (c === "\\") {
      const next = line[i + 1];
      if (next !== undefined && next !== "\n") word = (word ?? "") + next;
      i++;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? "") + c;
  }
  if (word !== null) words.push(word);
  return words;
}
