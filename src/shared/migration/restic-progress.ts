// A volume mover's progress, read from its restic `--json` output one line at a time (the mover
// pod's log). Written against restic 0.17: `backup` prints `status` lines and one `summary`;
// `restore` does the same with its own fields; failures to read or write an item are `error`
// lines; a run that stops prints a plain `Fatal: …` line. Fields that are 0 are left out.

export type ResticCommand = 'backup' | 'restore';

export interface ResticProgress {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  /** bytes per second over the run so far; undefined until restic has run a whole second */
  rate?: number;
  /** seconds left; undefined while there is no estimate */
  eta?: number;
  /** the snapshot a backup made (its summary line) */
  snapshotId?: string;
  /** the summary line: the command has finished its work */
  done: boolean;
}

export type ResticLine =
  | { type: 'progress'; progress: ResticProgress }
  /** an item restic could not read or write (the run goes on), or a `Fatal:` line (the run stops) */
  | { type: 'error'; message: string; item?: string; fatal: boolean }
  /** any other output, kept for the log tail of a failed mover */
  | { type: 'text'; text: string };

type Fields = Record<string, unknown>;

const count = (fields: Fields, name: string): number => {
  const value = fields[name];
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
};

const perSecond = (bytes: number, seconds: number) => (seconds > 0 ? bytes / seconds : undefined);

/** Seconds left at the run's average rate so far. */
const remaining = (bytesDone: number, bytesTotal: number, rate: number | undefined) => (bytesTotal > 0 && bytesDone >= bytesTotal ? 0 : rate ? Math.ceil((bytesTotal - bytesDone) / rate) : undefined);

function backupProgress(fields: Fields, done: boolean): ResticProgress {
  if (done) {
    const bytes = count(fields, 'total_bytes_processed');
    const files = count(fields, 'total_files_processed');
    const snapshotId = typeof fields.snapshot_id === 'string' ? fields.snapshot_id : undefined;
    return { bytesDone: bytes, bytesTotal: bytes, filesDone: files, filesTotal: files, rate: perSecond(bytes, count(fields, 'total_duration')), eta: 0, snapshotId, done };
  }
  const bytesDone = count(fields, 'bytes_done');
  const bytesTotal = count(fields, 'total_bytes');
  const rate = perSecond(bytesDone, count(fields, 'seconds_elapsed'));
  // restic's own estimate; it leaves seconds_remaining out both when under a second and before it has one
  const eta = 'seconds_remaining' in fields ? count(fields, 'seconds_remaining') : remaining(bytesDone, bytesTotal, rate);
  return { bytesDone, bytesTotal, filesDone: count(fields, 'files_done'), filesTotal: count(fields, 'total_files'), rate, eta, done };
}

/** Files restore skips (already identical on the target) are outside its totals: they count as done. */
function restoreProgress(fields: Fields, done: boolean): ResticProgress {
  const skippedBytes = count(fields, 'bytes_skipped');
  const skippedFiles = count(fields, 'files_skipped');
  const written = count(fields, 'bytes_restored');
  const bytesDone = written + skippedBytes;
  const bytesTotal = count(fields, 'total_bytes') + skippedBytes;
  const rate = perSecond(written, count(fields, 'seconds_elapsed'));
  const eta = done ? 0 : remaining(bytesDone, bytesTotal, rate);
  return { bytesDone, bytesTotal, filesDone: count(fields, 'files_restored') + skippedFiles, filesTotal: count(fields, 'total_files') + skippedFiles, rate, eta, done };
}

/** One line of a mover's log; undefined for blank lines and restic's per-file verbose lines. */
export function parseResticLine(line: string, command: ResticCommand): ResticLine | undefined {
  const text = line.trim();
  if (!text) return undefined;
  if (!text.startsWith('{')) {
    const fatal = /^Fatal: (.*)$/.exec(text);
    return fatal ? { type: 'error', message: fatal[1]!, fatal: true } : { type: 'text', text };
  }
  let fields: Fields;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { type: 'text', text };
    fields = parsed as Fields;
  } catch {
    return { type: 'text', text };
  }
  switch (fields.message_type) {
    case 'status':
    case 'summary': {
      const done = fields.message_type === 'summary';
      return { type: 'progress', progress: command === 'backup' ? backupProgress(fields, done) : restoreProgress(fields, done) };
    }
    case 'error': {
      const error = fields.error as { message?: unknown } | undefined;
      const message = typeof error?.message === 'string' ? error.message : text;
      return { type: 'error', message, item: typeof fields.item === 'string' ? fields.item : undefined, fatal: false };
    }
    case 'verbose_status':
      return undefined;
    default:
      return { type: 'text', text };
  }
}
