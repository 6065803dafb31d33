// Multi-document YAML with positions: every diagnostic of the workspace points at a file and a line.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';

export type FieldPath = (string | number)[];

export interface YamlError {
  line: number;
  column: number;
  message: string;
}

export interface ManifestDocument {
  /** 1-based line where the document starts */
  line: number;
  /** the parsed value; undefined when the document is empty or does not parse */
  value: unknown;
  errors: YamlError[];
  /** the 1-based line of a field (its key), or of its deepest existing parent */
  lineOf(path: FieldPath): number;
}

function keyOf(node: unknown): unknown {
  return isScalar(node) ? node.value : node;
}

export function parseManifests(text: string): ManifestDocument[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  if (!Array.isArray(docs)) return [];
  const lineAt = (offset: number) => lines.linePos(offset).line;
  return docs.map((doc) => {
    const errors: YamlError[] = doc.errors.map((e) => {
      const { line, col } = lines.linePos(e.pos[0]);
      return { line, column: col, message: e.message.split('\n')[0] };
    });
    let value: unknown;
    if (errors.length === 0) {
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (error) {
        errors.push({ line: lineAt(doc.range[0]), column: 1, message: (error as Error).message });
      }
    }
    const start = lineAt(doc.contents?.range?.[0] ?? doc.range[0]);
    const lineOf = (path: FieldPath): number => {
      let node: unknown = doc.contents;
      let line = start;
      for (const segment of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && String(keyOf(p.key)) === String(segment));
          if (!pair) return line;
          const key = pair.key as Node | null;
          line = key?.range ? lineAt(key.range[0]) : line;
          node = pair.value;
        } else if (isSeq(node) && typeof segment === 'number' && node.items[segment]) {
          const item = node.items[segment] as Node;
          line = item.range ? lineAt(item.range[0]) : line;
          node = item;
        } else {
          return line;
        }
      }
      return line;
    };
    return { line: start, value, errors, lineOf };
  });
}

/** The objects of a YAML stream, such as kustomize's output (empty documents and scalars skipped). */
export function streamObjects(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as unknown)
    .filter((value): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value));
}

/** `spec.template.spec.containers[0].image` */
export function formatPath(path: FieldPath): string {
  return path.reduce<string>((out, s) => (typeof s === 'number' ? `${out}[${s}]` : out ? `${out}.${s}` : s), '');
}
