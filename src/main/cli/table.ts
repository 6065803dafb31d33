// The CLI's human output. Its text comes from clusters, kubeconfigs and archives, which anyone may
// have written: every printer of human text (table cells, lines, stderr) goes through printable().

/**
 * C0 controls (tab, CR and LF included), DEL, C1 controls, the Unicode line and paragraph
 * separators, and the bidi marks, embeddings, overrides and isolates.
 */
const unprintable = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * The text as one line that shows what it holds: each unprintable character becomes a visible
 * escape (`\n`, `\x1b`, `\u202e`), so no text can move the cursor, erase, recolour, retitle the
 * terminal, start a line of its own, or reorder what is shown around it.
 */
export function printable(text: string): string {
  return text.replace(unprintable, (c) => {
    const code = c.charCodeAt(0);
    return named[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
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
