import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOpened, readRegularFile } from './files.ts';

describe('readRegularFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-files-'));

  it('names a limit under 1 MiB in KiB (it said "0 MiB")', async () => {
    const file = path.join(dir, 'passphrase');
    writeFileSync(file, Buffer.alloc(64 * 1024 + 1, 'a'));
    await expect(readRegularFile(file, 64 * 1024, 'invalid-input')).rejects.toMatchObject({ code: 'too-large', message: `${file} is larger than 64 KiB` });
  });

  it('reads a file within the limit, and refuses what is not a regular file', async () => {
    const file = path.join(dir, 'small');
    writeFileSync(file, 'hello');
    expect((await readRegularFile(file, 64 * 1024, 'invalid-input')).toString()).toBe('hello');
    await expect(readRegularFile(dir, 64 * 1024, 'invalid-input')).rejects.toMatchObject({ code: 'invalid-input', message: `${dir} is not a regular file` });
  });

  it('reads an open file only up to the size it was checked at, however it grows meanwhile', async () => {
    const file = path.join(dir, 'growing');
    writeFileSync(file, 'checked');
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      appendFileSync(file, Buffer.alloc(1 << 20, 'x'));
      expect((await readOpened(handle, size)).toString()).toBe('checked');
    } finally {
      await handle.close();
    }
  });
});
