// What a restore's verify container printed (shared/migration/movers.ts verifyScript): the
// source's totals and the entries that differ, compared in the pod; read and named here.

export interface Comparison {
  /** regular files in the source volume, and their bytes */
  files: number;
  bytes: number;
  /** paths that differ */
  mismatches: number;
  /** the first few, named */
  named: string[];
}

export type Verification = Comparison | { problem: 'no-listing' | 'cut-short' };

/** A differing entry as a listing line has it: type letter, mode (permissions:uid:gid), size, sha256 or base64 target ("-" where none). */
interface Entry {
  type: string;
  mode: string;
  size: string;
  content: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A name (or symlink target) as its bytes: UTF-8 text, or (not UTF-8) its bytes past ASCII as \xNN, so that two such names never fold into one. */
function decodeBytes(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  try {
    return utf8.decode(bytes);
  } catch {
    return [...bytes].map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
  }
}

const TYPES: Record<string, string> = { f: 'file', d: 'directory', l: 'symlink' };
const typeName = (letter: string) => TYPES[letter] ?? 'special file';
const shown = (path: string) => JSON.stringify(path);
const octal = (mode: string) => mode.padStart(4, '0');
// readlink's own newline is part of what was encoded
const linkTarget = (entry: Entry) => decodeBytes(entry.content).replace(/\n$/, '');

function describe(path: string, source: Entry | undefined, target: Entry | undefined): string {
  if (!target) return `${shown(path)}: missing on the target`;
  if (!source) return `${shown(path)}: on the target only`;
  if (source.type !== target.type) return `${shown(path)}: a ${typeName(target.type)} on the target, a ${typeName(source.type)} on the source`;
  if (source.type === 'l') return `${shown(path)}: points to ${shown(linkTarget(target))}, not ${shown(linkTarget(source))}`;
  if (source.type === 'f' && (source.size !== target.size || source.content !== target.content)) return `${shown(path)}: content differs (${target.size} bytes, ${source.size} on the source)`;
  const [[sourceMode, sourceOwner], [targetMode, targetOwner]] = [source.mode.split(/:(.*)/), target.mode.split(/:(.*)/)];
  const modes = sourceMode !== targetMode ? [`mode ${octal(targetMode)}, ${octal(sourceMode)} on the source`] : [];
  const owners = sourceOwner !== targetOwner ? [`owner ${targetOwner}, ${sourceOwner} on the source`] : [];
  return `${shown(path)}: ${[...modes, ...owners].join('; ')}`;
}

/** The verify container's `V` lines; other lines are ignored. A log without its end line was cut short. */
export function readVerification(log: string): Verification {
  let files = 0;
  let bytes = 0;
  let mismatches = 0;
  let ended = false;
  const differing = new Map<string, { S?: Entry; T?: Entry }>();
  for (const raw of log.split('\n')) {
    const [tag, kind, ...fields] = raw.trimEnd().split(' ');
    if (tag !== 'V') continue;
    if (kind === 'N') return { problem: 'no-listing' };
    if (kind === 'T') [files, bytes] = [Number(fields[0]), Number(fields[1])];
    else if (kind === 'C') mismatches = Number(fields[0]);
    else if (kind === 'E') ended = true;
    else if (kind === 'X' && (fields[0] === 'S' || fields[0] === 'T') && fields.length === 6) {
      const [side, type, mode, size, content, path] = fields;
      const name = decodeBytes(path).replace(/^\.\//, '');
      differing.set(name, { ...differing.get(name), [side]: { type, mode, size, content } });
    }
  }
  if (!ended) return { problem: 'cut-short' };
  return { files, bytes, mismatches, named: [...differing].map(([path, { S, T }]) => describe(path, S, T)) };
}
