import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { displayRepository, parseRepositoryEnv, readRepositoryEnv, redactor } from './repository.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-repository-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the repository env file', () => {
  it('reads KEY=VALUE lines, with export, quotes and comments', async () => {
    const file = path.join(dir, 'movers.env');
    writeFileSync(file, '# the movers\nexport RESTIC_REPOSITORY=s3:s3.eu-west-1.amazonaws.com/acme/restic\nRESTIC_PASSWORD="pw with = and spaces"\n\nAWS_ACCESS_KEY_ID=AKIAEXAMPLE\r\n');
    await expect(readRepositoryEnv(file)).resolves.toEqual({ RESTIC_REPOSITORY: 's3:s3.eu-west-1.amazonaws.com/acme/restic', RESTIC_PASSWORD: 'pw with = and spaces', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' });
  });

  it('refuses a repository the clusters cannot reach, a missing password, and lines that are not KEY=VALUE without quoting them', async () => {
    expect(() => parseRepositoryEnv('RESTIC_REPOSITORY=/srv/restic\nRESTIC_PASSWORD=x', 'f.env')).toThrow(/RESTIC_REPOSITORY must be a repository both clusters reach, starting with s3:, gs:, azure:, rest:/);
    expect(() => parseRepositoryEnv('RESTIC_REPOSITORY=sftp:host:/r\nRESTIC_PASSWORD=x', 'f.env')).toThrow(/starting with s3:/);
    expect(() => parseRepositoryEnv('RESTIC_REPOSITORY=gs:bucket:/r\nRESTIC_PASSWORD_FILE=/etc/pw', 'f.env')).toThrow('f.env has no RESTIC_PASSWORD (a password file or command is not available inside the clusters)');
    expect(() => parseRepositoryEnv('RESTIC_PASSWORD=x', 'f.env')).toThrow('f.env has no RESTIC_REPOSITORY');
    const bad = () => parseRepositoryEnv('RESTIC_REPOSITORY=rest:https://h/\nhunter2 is my password', 'f.env');
    expect(bad).toThrow('f.env line 2 is not KEY=VALUE');
    expect(bad).not.toThrow(/hunter2/);
    await expect(readRepositoryEnv(path.join(dir, 'missing.env'))).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('ENOENT') });
    await expect(readRepositoryEnv(dir)).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('shows no credentials of a URL whatever the case of its scheme (restic reads rest:HTTPS:// as https)', () => {
    expect(displayRepository('rest:HTTPS://user:hunter2@backup.example:8000/repo')).toBe('rest:https://backup.example:8000/repo');
    expect(displayRepository('s3:Http://AKID:SECRET@minio.local/bucket')).toBe('s3:http://minio.local/bucket');
  });

  it('shows the repository without credentials, and removes every value from text a mover printed', () => {
    expect(displayRepository('rest:https://user:secret@backup.example:8000/repo?x=1')).toBe('rest:https://backup.example:8000/repo');
    expect(displayRepository('s3:s3.amazonaws.com/acme/restic')).toBe('s3:s3.amazonaws.com/acme/restic');
    expect(displayRepository('azure:container:/path')).toBe('azure:container:/path');
    const redact = redactor({ RESTIC_REPOSITORY: 'rest:https://user:secret@h/r', RESTIC_PASSWORD: 'correct horse', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI', X: 'ab' });
    expect(redact('Fatal: wrong password correct horse for rest:https://user:secret@h/r (key wJalrXUtnFEMI) ab')).toBe('Fatal: wrong password *** for *** (key ***) ab');
  });
});
