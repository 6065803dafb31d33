// The CLI's human output. Its text comes from clusters, kubeconfigs and archives, which anyone may
// have written: every printer of human text (table cells, lines, stderr) goes through printable().

/**
 * Controls (C0 with tab, CR and LF, DEL, C1), format characters (bidi marks, embeddings, overrides
 * and isolates, zero-width characters, the byte order mark, soft hyphen, tags), the Unicode line
 * and paragraph separators, and the Hangul fillers that render as nothing: whatever could hide,
 * move or reorder text, or make two names look alike.
 */
const unprintable = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0]/gu;

const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * The text as one line that shows what it holds: each unprintable character becomes a visible
 * escape (`\n`, `\x1b`, `\u202e`), so no text can move the cursor, erase, recolour, retitle the
 * terminal, start a line of its own, or reorder what is shown around it.
 */
export function printable(text: string): string {
  return text.replace(unprintable, (c) => {
    const code = c.codePointAt(0)!;
    if (named[c]) return named[c];
    if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
    return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Lines of human output, each made printable. */
export function printableLines(lines: string[]): string {
  return lines.map(printable).join('\n');
}

/** Renders rows as an aligned plain-text table, each cell made printable. */
export function table(headers: string[], rows: string[][]): string {
  const cells = [headers, ...rows].map((row) => row.map((cell) => printable(cell ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return cells.map(line).join('\n');
}
