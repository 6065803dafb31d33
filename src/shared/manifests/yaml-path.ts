// Where the cursor is in a Kubernetes manifest, from indentation alone: it must work on the
// half-typed line that does not parse yet, which is exactly when completion is asked for.
import type { FieldPath } from './documents.ts';

export interface CursorPlace {
  /** the mapping the cursor's line belongs to (list items are index 0: every item has the same schema) */
  parent: FieldPath;
  /** the key on the cursor's line, when the cursor is on it */
  key?: string;
  /** the partial word being typed where a new key goes */
  prefix: string;
  /** the document's apiVersion and kind, when written */
  apiVersion?: string;
  kind?: string;
}

interface Open {
  column: number;
  segment: string | number;
  item: boolean;
}

/** One line: its "- " markers (their columns), then the key that starts the rest, if any. */
function parse(line: string): { dashes: number[]; column: number; key?: string; block: boolean; body: string } {
  const dashes: number[] = [];
  let column = /^\s*/.exec(line)![0].length;
  while (line.startsWith('- ', column) || line.slice(column) === '-') {
    dashes.push(column);
    column += 1 + /^\s*/.exec(line.slice(column + 1))![0].length;
  }
  const body = line.slice(column);
  const key = /^("[^"]*"|'[^']*'|[^\s:#'"-][^:#]*?)\s*:(\s|$)/.exec(body);
  return { dashes, column, key: key?.[1].replace(/^["']|["']$/g, ''), block: !!key && /:\s*(#.*)?$/.test(body), body };
}

/**
 * Closes what a line starting at `column` ends: everything at or right of it, except that a "- "
 * keeps the key at its own column (a list may sit at its key's indentation).
 */
function close(stack: Open[], column: number, dash: boolean) {
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.column > column || (top.column === column && (!dash || top.item))) stack.pop();
    else break;
  }
}

export function cursorPlace(text: string, line: number, column: number): CursorPlace {
  const lines = text.split('\n');
  let start = line - 1;
  while (start > 0 && !lines[start - 1].startsWith('---')) start--;
  let end = line - 1;
  while (end + 1 < lines.length && !lines[end + 1].startsWith('---')) end++;
  const doc = lines.slice(start, end + 1);
  const apiVersion = doc.map((l) => /^apiVersion:\s*["']?([^\s"'#]+)/.exec(l)?.[1]).find(Boolean);
  const kind = doc.map((l) => /^kind:\s*["']?([^\s"'#]+)/.exec(l)?.[1]).find(Boolean);

  const stack: Open[] = [];
  const enter = (l: ReturnType<typeof parse>) => {
    for (const dash of l.dashes) {
      close(stack, dash, true);
      stack.push({ column: dash, segment: 0, item: true });
    }
  };
  for (let i = start; i < line - 1; i++) {
    if (!lines[i].trim() || lines[i].trimStart().startsWith('#')) continue;
    const l = parse(lines[i]);
    enter(l);
    if (!l.body.trim()) continue;
    close(stack, l.column, false);
    if (l.key !== undefined && l.block) stack.push({ column: l.column, segment: l.key, item: false });
  }

  const current = lines[line - 1] ?? '';
  const before = current.slice(0, column - 1);
  const l = parse(current.trim() ? current : before);
  enter(l);
  // on an empty line, the cursor's column says where the new key goes
  close(stack, current.trim() ? l.column : before.length, false);
  const onKey = l.key !== undefined && before.length <= l.column + l.key.length + 1;
  const prefix = onKey ? '' : (/^[\w.$/-]*$/.exec(before.slice(l.column))?.[0] ?? '');
  return { parent: stack.map((s) => s.segment), key: onKey ? l.key : undefined, prefix, apiVersion, kind };
}
