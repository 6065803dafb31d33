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
const line = /^([ST]) ([0-9a-f]+) (\d+) (\S+) (\S*)$/;

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
function decodeName(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  try {
    return utf8.decode(bytes);
  } catch {
    return [...bytes].map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  }
}

/** The source (S) and target (T) listings in a mover's log; other lines are ignored. */
export function parseManifests(text: string): { source: Manifest; target: Manifest } {
  const source: Manifest = new Map();
  const target: Manifest = new Map();
  for (const raw of text.split('\n')) {
    const match = line.exec(raw.trimEnd());
    if (!match) continue;
    const [, side, hexMode, size, content, name] = match;
    const mode = Number.parseInt(hexMode, 16);
    const type = typeOf(mode);
    const entry: ManifestEntry = { type, mode: mode & 0o7777, size: Number(size) };
    // readlink's own newline is part of what was encoded
    if (type === 'symlink') entry.content = decodeName(content).replace(/\n$/, '');
    else if (type === 'file') entry.content = content;
    const path = decodeName(name);
    // a file system's own folder (ext4), present on one side's disks and not the other's
    if (path === 'lost+found' || path.startsWith('lost+found/')) continue;
    (side === 'S' ? source : target).set(path, entry);
  }
  return { source, target };
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
