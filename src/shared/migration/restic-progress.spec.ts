import { describe, expect, it } from 'vitest';
import { parseResticLine, type ResticProgress } from './restic-progress.ts';

// Lines captured from restic 0.17.3 (lab/bin/restic) against the lab's object store: a backup of
// a 300 MB file and 200 files of 4 KiB, its restore, a second restore over the restored files,
// runs with an unreadable file, a blocked restore path and a wrong password, and a -vv backup.
const progress = (line: string, command: 'backup' | 'restore'): ResticProgress => {
  const parsed = parseResticLine(line, command);
  if (parsed?.type !== 'progress') throw new Error(`not a progress line: ${line}`);
  return parsed.progress;
};

describe('restic backup --json', () => {
  it('reads a status line before the first second: no rate yet, restic’s own estimate', () => {
    const line = '{"message_type":"status","seconds_remaining":6,"percent_done":0.0025022239271961363,"total_files":201,"total_bytes":300819200,"bytes_done":752717,"current_files":["/src/big","/src/dir/f1"]}';
    expect(progress(line, 'backup')).toEqual({ bytesDone: 752717, bytesTotal: 300819200, filesDone: 0, filesTotal: 201, rate: undefined, eta: 6, done: false });
  });

  it('estimates the time left from the rate so far when restic leaves seconds_remaining out', () => {
    const line = '{"message_type":"status","seconds_elapsed":2,"percent_done":0.8235226541390975,"total_files":201,"files_done":200,"total_bytes":300819200,"bytes_done":247731426,"current_files":["/src/big"]}';
    const p = progress(line, 'backup');
    expect(p).toMatchObject({ bytesDone: 247731426, bytesTotal: 300819200, filesDone: 200, filesTotal: 201, done: false });
    expect(p.rate).toBeCloseTo(247731426 / 2);
    // 53 MB left at 124 MB/s
    expect(p.eta).toBe(1);
  });

  it('reads the last status line as nothing left', () => {
    const line = '{"message_type":"status","seconds_elapsed":3,"percent_done":1,"total_files":201,"files_done":201,"total_bytes":300819200,"bytes_done":300819200}';
    expect(progress(line, 'backup')).toMatchObject({ bytesDone: 300819200, bytesTotal: 300819200, filesDone: 201, filesTotal: 201, eta: 0, done: false });
  });

  it('takes the snapshot id, totals and average rate from the summary', () => {
    const line =
      '{"message_type":"summary","files_new":201,"files_changed":0,"files_unmodified":0,"dirs_new":2,"dirs_changed":0,"dirs_unmodified":0,"data_blobs":384,"tree_blobs":3,"data_added":300901366,"data_added_packed":300876406,"total_files_processed":201,"total_bytes_processed":300819200,"total_duration":3.072377714,"snapshot_id":"7e34963c5a2d8ef22af266a84eae5d60b3e4a288bd770b01a825dfc428690e2d"}';
    const p = progress(line, 'backup');
    expect(p).toMatchObject({ bytesDone: 300819200, bytesTotal: 300819200, filesDone: 201, filesTotal: 201, eta: 0, done: true, snapshotId: '7e34963c5a2d8ef22af266a84eae5d60b3e4a288bd770b01a825dfc428690e2d' });
    expect(p.rate).toBeCloseTo(300819200 / 3.072377714);
  });

  it('reads an item restic could not read as an error that does not stop the run', () => {
    const line = '{"message_type":"error","error":{"message":"failed to save /proc/self/mem: read /proc/self/mem: input/output error"},"during":"archival","item":"/proc/self/mem"}';
    expect(parseResticLine(line, 'backup')).toEqual({ type: 'error', message: 'failed to save /proc/self/mem: read /proc/self/mem: input/output error', item: '/proc/self/mem', fatal: false });
  });
});

describe('restic restore --json', () => {
  it('has no estimate before anything is written', () => {
    expect(progress('{"message_type":"status","percent_done":0,"total_files":203,"total_bytes":300819200}', 'restore')).toEqual({
      bytesDone: 0,
      bytesTotal: 300819200,
      filesDone: 0,
      filesTotal: 203,
      rate: undefined,
      eta: undefined,
      done: false,
    });
  });

  it('reads bytes and files restored, with rate and time left from the elapsed seconds', () => {
    const p = progress('{"message_type":"status","seconds_elapsed":1,"percent_done":0.6943460955949621,"total_files":203,"files_restored":200,"total_bytes":300819200,"bytes_restored":208872637}', 'restore');
    expect(p).toMatchObject({ bytesDone: 208872637, bytesTotal: 300819200, filesDone: 200, filesTotal: 203, rate: 208872637, eta: 1, done: false });
  });

  it('reads the summary', () => {
    expect(progress('{"message_type":"summary","seconds_elapsed":1,"total_files":203,"files_restored":203,"total_bytes":300819200,"bytes_restored":300819200}', 'restore')).toEqual({
      bytesDone: 300819200,
      bytesTotal: 300819200,
      filesDone: 203,
      filesTotal: 203,
      rate: 300819200,
      eta: 0,
      done: true,
    });
  });

  it('counts files already identical on the target as done (restic keeps them out of its totals)', () => {
    expect(progress('{"message_type":"status","percent_done":0,"total_files":2,"files_skipped":153,"bytes_skipped":300622592}', 'restore')).toMatchObject({
      bytesDone: 300622592,
      bytesTotal: 300622592,
      filesDone: 153,
      filesTotal: 155,
    });
    expect(progress('{"message_type":"summary","total_files":2,"files_restored":2,"files_skipped":201,"bytes_skipped":300819200}', 'restore')).toEqual({
      bytesDone: 300819200,
      bytesTotal: 300819200,
      filesDone: 203,
      filesTotal: 203,
      rate: undefined,
      eta: 0,
      done: true,
    });
  });

  it('reads an item it could not write as an error', () => {
    const line = '{"message_type":"error","error":{"message":"remove /tmp/rp/out4/src/dir/f1: directory not empty"},"during":"restore","item":"/src/dir/f1"}';
    expect(parseResticLine(line, 'restore')).toEqual({ type: 'error', message: 'remove /tmp/rp/out4/src/dir/f1: directory not empty', item: '/src/dir/f1', fatal: false });
  });
});

describe('lines that are not progress', () => {
  it('reads Fatal: lines as the error that stopped the run', () => {
    expect(parseResticLine('Fatal: wrong password or no key found', 'restore')).toEqual({ type: 'error', message: 'wrong password or no key found', fatal: true });
    expect(parseResticLine('Fatal: There were 1 errors', 'restore')).toEqual({ type: 'error', message: 'There were 1 errors', fatal: true });
  });

  it('keeps other output as text, and skips blank and verbose per-file lines', () => {
    expect(parseResticLine('Warning: at least one source file could not be read', 'backup')).toEqual({ type: 'text', text: 'Warning: at least one source file could not be read' });
    expect(parseResticLine('{"message_type":"status", truncated', 'backup')).toEqual({ type: 'text', text: '{"message_type":"status", truncated' });
    expect(parseResticLine('   ', 'backup')).toBeUndefined();
    expect(parseResticLine('{"message_type":"verbose_status","action":"unchanged","item":"/src/dir/f1","duration":0,"data_size":0,"data_size_in_repo":0,"metadata_size":0,"metadata_size_in_repo":0,"total_files":0}', 'backup')).toBeUndefined();
  });
});
