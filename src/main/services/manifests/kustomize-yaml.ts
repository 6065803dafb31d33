// YAML as kustomize reads it. kustomize converts a kustomization (and a built-in plugin's
// configuration) to JSON with go-yaml v2 (sigs.k8s.io/yaml), then decodes that with Go's
// encoding/json. The offline and confinement checks must read the same values, or a form the two
// read differently hides a reference from them: a `!!binary` path, a key in another case, a merge.
// Keys keep their case here; kustomizationEntries matches them to fields as encoding/json does.
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Scalar } from 'yaml';
import { FleetdeckError } from '../../../shared/errors.ts';
import type { FieldPath } from '../../../shared/manifests/documents.ts';

/** Values visited through aliases and merges before a file is refused (a billion laughs). */
const MAX_NODES = 100_000;
/** Depth of values through aliases (an alias inside the value it names never ends). */
const MAX_DEPTH = 1_000;

const STR = 'tag:yaml.org,2002:str';
const BINARY = 'tag:yaml.org,2002:binary';
const MERGE = 'tag:yaml.org,2002:merge';
/** Tags go-yaml reads as this file does; any other (a local `!x`, `!!int`, `!!set`…) is refused rather than guessed at. */
const knownTags = new Set([undefined, '!', STR, BINARY, MERGE, 'tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq']);

/**
 * Line breaks go-yaml (YAML 1.1) and this parser (YAML 1.2) read differently: a lone CR, NEL, LS
 * and PS break a line there, not here ("base\u0085" here is "base" there); in double quotes, an
 * escaped line break followed by an empty line is a line break there, a space here.
 */
const disputedBreaks = /\r(?!\n)|[\u0085\u2028\u2029]|\\\r?\n[ \t]*\r?\n/;

function documents(text: string, where: string): Document.Parsed[] {
  if (disputedBreaks.test(text)) throw new FleetdeckError('invalid-input', `${where} holds a line break YAML versions read differently (a lone CR, NEL, LS or PS, or an escaped line break before an empty line): write plain line breaks`);
  const docs = parseAllDocuments(text, { uniqueKeys: false, merge: false, prettyErrors: false });
  // an empty stream: an empty list, never an EmptyStream (which is not iterable as documents are)
  const list = Array.isArray(docs) ? docs : [];
  const error = list.flatMap((doc) => doc.errors)[0];
  if (error) throw new FleetdeckError('invalid-input', `${where} is not valid YAML: ${error.message.split('\n')[0]}`);
  return list;
}

function refuseTag(node: Node, where: string): void {
  if (!knownTags.has(node.tag)) throw new FleetdeckError('invalid-input', `${where}: a value is tagged ${node.tag}, which Fleetdeck does not read as kustomize does: write the value without the tag`);
}

/**
 * A scalar's text as go-yaml gives it to a field that takes a string: `!!binary` decoded, any other
 * as written. A plain scalar stays text even where YAML would read a number, a boolean or null
 * (kustomize fails on one where it wants a path, or leaves the field empty; read as a number here,
 * a path would escape the check).
 */
function scalarText(node: Scalar, where: string, text: string): string {
  refuseTag(node, where);
  let written = node.type === 'PLAIN' ? String(node.source) : String(node.value);
  // a block scalar that ends the file without a line break ends without one for go-yaml; this parser adds one
  const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
  if (block && node.range && !text.slice(node.range[0], node.range[2]).endsWith('\n')) written = written.replace(/\n$/, '');
  if (node.tag !== BINARY) return written;
  // Go's base64 decoder skips line breaks, nothing else; the result must be text
  const base64 = written.replace(/[\r\n]/g, '');
  const bytes = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(base64) ? Buffer.from(base64, 'base64') : undefined;
  try {
    if (bytes) return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // not UTF-8: refused below
  }
  throw new FleetdeckError('invalid-input', `${where}: a !!binary value is not base64 of UTF-8 text`);
}

/**
 * The first document of a kustomization as kustomize reads it: objects with the keys as written,
 * a repeated key's last value, and `<<` merges applied as go-yaml v2 applies them (in order, each
 * over what came before; in a list of merges, the first wins). Anything it cannot read is refused.
 */
export function readKustomizationYaml(text: string, where: string): unknown {
  const [doc] = documents(text, where);
  if (!doc) return undefined;
  if (doc.contents !== null && !isMap(doc.contents) && !(isScalar(doc.contents) && doc.contents.source === '')) throw new FleetdeckError('invalid-input', `${where} is not a mapping of fields`);
  let visited = 0;
  const count = (depth: number) => {
    if (++visited > MAX_NODES) throw new FleetdeckError('invalid-input', `${where}: its aliases expand to more than ${MAX_NODES} values`);
    if (depth > MAX_DEPTH) throw new FleetdeckError('invalid-input', `${where}: its values nest more than ${MAX_DEPTH} deep (an alias inside the value it names?)`);
  };
  const convert = (node: unknown, depth: number): unknown => {
    count(depth);
    if (isAlias(node)) return convert(node.resolve(doc), depth + 1);
    if (isScalar(node)) return scalarText(node, where, text);
    if (isSeq(node)) {
      refuseTag(node, where);
      return node.items.map((item) => convert(item, depth + 1));
    }
    if (isMap(node)) {
      const out = Object.create(null) as Record<string, unknown>;
      mergeInto(node, out, depth);
      return out;
    }
    return null;
  };
  const mergeInto = (node: unknown, out: Record<string, unknown>, depth: number): void => {
    count(depth);
    const map = isAlias(node) ? node.resolve(doc) : node;
    if (!isMap(map)) throw new FleetdeckError('invalid-input', `${where}: a << merge names something other than a mapping`);
    refuseTag(map, where);
    for (const { key, value } of map.items) {
      if (!isScalar(key)) throw new FleetdeckError('invalid-input', `${where}: a key is not a plain value (kustomize reads only text keys)`);
      if (key.source === '<<' && ((key.type === 'PLAIN' && key.tag === undefined) || key.tag === MERGE)) {
        if (isSeq(value)) [...value.items].reverse().forEach((item) => mergeInto(item, out, depth + 1));
        else mergeInto(value, out, depth + 1);
      } else out[scalarText(key, where, text)] = convert(value, depth + 1);
    }
  };
  return convert(doc.contents, 0);
}

/**
 * Every text value in a YAML stream (each document; keys are not values), with where it is: a
 * plugin's configuration, whose fields are not known here one by one. An alias is not followed:
 * the value it names is listed where it is written.
 */
export function yamlTexts(text: string, where: string): { field: FieldPath; text: string }[] {
  const out: { field: FieldPath; text: string }[] = [];
  const walk = (node: unknown, field: FieldPath) => {
    if (isScalar(node)) out.push({ field, text: scalarText(node, where, text) });
    else if (isSeq(node)) {
      refuseTag(node, where);
      node.items.forEach((item, i) => walk(item, [...field, i]));
    } else if (isMap(node)) {
      refuseTag(node, where);
      for (const { key, value } of node.items) {
        const name = isScalar(key) ? scalarText(key, where, text) : '?';
        if (!isScalar(key)) walk(key, [...field, name]);
        walk(value, [...field, name]);
      }
    }
  };
  for (const doc of documents(text, where)) walk(doc.contents, []);
  return out;
}
