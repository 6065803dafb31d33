// The listings a mover prints (shared/migration/movers.ts manifestScript), read and compared.

export interface ManifestEntry {
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** permission bits, setuid/setgid/sticky included */
  mode: number;
  size: number;
  /** sha256 of a file, target of a symlink */
  content?: string;
}

export type Manifest = Map<string, ManifestEntry>;

export interface Comparison {
  /** regular files in the source volume, and their bytes */
  files: number;
  bytes: number;
  mismatches: number;
  /** the first few, named */
  named: string[];
}

const NAMED = 10;
/** a path holding a newline, listed on a line of its own: SIDE, mode, size, sha256 or base64 target or "-", base64 path */
const perEntry = /^[ST] ([0-9a-f]+) (\d+) (\S+) (\S*)$/;

function typeOf(raw: number): ManifestEntry['type'] {
  switch (raw & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o120000:
      return 'symlink';
    default:
      return 'other';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A name (or symlink target) as its bytes: UTF-8 text, or (not UTF-8) its bytes past ASCII as \xNN, so that two such names never fold into one. */
function decodeBytes(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return [...bytes].map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  }
}

const decodeName = (base64: string) => decodeBytes(Buffer.from(base64, 'base64'));

/** The NUL-ended paths of a batch, without find's leading ./ */
function batchPaths(base64: string): string[] {
  const bytes = Buffer.from(base64, 'base64');
  const paths: string[] = [];
  for (let start = 0, end = bytes.indexOf(0); end >= 0; start = end + 1, end = bytes.indexOf(0, start)) paths.push(decodeBytes(bytes.subarray(start, end)).replace(/^\.\//, ''));
  return paths;
}

/** A listing as it is read: the entries so far, the batch whose lines are coming, whether its end was seen. */
interface Listing {
  entries: Manifest;
  complete: boolean;
  /** the base64 of the batch whose N (paths) or F (files) lines are coming */
  blob: string;
  blobOf: 'N' | 'F';
  /** the current batch's paths, which get their modes in order, and its files, which get their hashes */
  paths: string[];
  nextPath: number;
  files: string[];
  nextFile: number;
}

const newListing = (): Listing => ({ entries: new Map(), complete: false, blob: '', blobOf: 'N', paths: [], nextPath: 0, files: [], nextFile: 0 });

/** A file system's own folder (ext4), present on one side's disks and not the other's. */
const ownFolder = (path: string) => path === 'lost+found' || path.startsWith('lost+found/');

function add(listing: Listing, path: string, rawMode: number, size: number, content: string | undefined): void {
  const type = typeOf(rawMode);
  const entry: ManifestEntry = { type, mode: rawMode & 0o7777, size };
  // readlink's own newline is part of what was encoded
  if (type === 'symlink' && content !== undefined) entry.content = decodeName(content).replace(/\n$/, '');
  else if (type === 'file' && content !== undefined) entry.content = content;
  if (!ownFolder(path)) listing.entries.set(path, entry);
}

/**
 * The source (S) and target (T) listings in a mover's log (manifestScript's lines); other lines
 * are ignored. A side whose listing did not reach its end line is reported as incomplete.
 */
export function parseManifests(text: string): { source: Manifest; target: Manifest; complete: { source: boolean; target: boolean } } {
  const sides = { S: newListing(), T: newListing() };
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const side = line[0] === 'S' || line[0] === 'T' ? sides[line[0]] : undefined;
    if (!side || line[1] !== ' ') continue;
    const [kind, ...fields] = line.slice(2).split(' ');
    // a batch's paths come in lines of base64; the first line after them ends the batch
    if (kind === 'N' || kind === 'F') {
      side.blob += fields[0] ?? '';
      side.blobOf = kind;
      continue;
    }
    if (side.blob) {
      const paths = batchPaths(side.blob);
      side.blob = '';
      if (side.blobOf === 'N') [side.paths, side.nextPath] = [paths, 0];
      else [side.files, side.nextFile] = [paths, 0];
    }
    if (kind === 'M') {
      const path = side.paths[side.nextPath++];
      if (path !== undefined) add(side, path, Number.parseInt(fields[0], 16), Number(fields[1]), undefined);
    } else if (kind === 'L' || kind === 'H') {
      const path = kind === 'L' ? decodeName(fields[0] ?? '').replace(/^\.\//, '') : side.files[side.nextFile++];
      const entry = path === undefined ? undefined : side.entries.get(path);
      if (entry?.type === 'symlink' && kind === 'L') entry.content = decodeName(fields[1] ?? '').replace(/\n$/, '');
      if (entry?.type === 'file' && kind === 'H') entry.content = fields[0];
    } else if (kind === 'E') side.complete = true;
    else {
      const match = perEntry.exec(line);
      if (match) add(side, decodeName(match[4]), Number.parseInt(match[1], 16), Number(match[2]), match[3]);
    }
  }
  return { source: sides.S.entries, target: sides.T.entries, complete: { source: sides.S.complete, target: sides.T.complete } };
}

const shown = (path: string) => JSON.stringify(path);
const octal = (mode: number) => mode.toString(8).padStart(4, '0');

/** Every source entry must be on the target with the same type, mode and content; the target holds nothing more. */
export function compareManifests(source: Manifest, target: Manifest): Comparison {
  let files = 0;
  let bytes = 0;
  const problems: string[] = [];
  for (const [path, want] of source) {
    if (want.type === 'file') {
      files++;
      bytes += want.size;
    }
    const have = target.get(path);
    if (!have) problems.push(`${shown(path)}: missing on the target`);
    else if (have.type !== want.type) problems.push(`${shown(path)}: a ${have.type} on the target, a ${want.type} on the source`);
    else if (want.type === 'symlink' && have.content !== want.content) problems.push(`${shown(path)}: points to ${shown(have.content ?? '')}, not ${shown(want.content ?? '')}`);
    else if (want.type === 'file' && (have.size !== want.size || have.content !== want.content)) problems.push(`${shown(path)}: content differs (${have.size} bytes, ${want.size} on the source)`);
    else if (want.type !== 'symlink' && have.mode !== want.mode) problems.push(`${shown(path)}: mode ${octal(have.mode)}, ${octal(want.mode)} on the source`);
  }
  for (const path of target.keys()) if (!source.has(path)) problems.push(`${shown(path)}: on the target only`);
  return { files, bytes, mismatches: problems.length, named: problems.slice(0, NAMED) };
}
