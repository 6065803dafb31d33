import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRepositoryEnv, displayRepository, parseRepositoryEnv, readRepositoryEnv, redactor } from './repository.ts';

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
    expect(() => parseRepositoryEnv('RESTIC_REPOSITORY=gs:bucket:/r\nGOOGLE_PROJECT_ID=acme', 'f.env')).toThrow('f.env has no RESTIC_PASSWORD (a password file or command is not available inside the clusters)');
    expect(() => parseRepositoryEnv('RESTIC_PASSWORD=x', 'f.env')).toThrow('f.env has no RESTIC_REPOSITORY');
    const bad = () => parseRepositoryEnv('RESTIC_REPOSITORY=rest:https://h/\nhunter2 is my password', 'f.env');
    expect(bad).toThrow('f.env line 2 is not KEY=VALUE');
    expect(bad).not.toThrow(/hunter2/);
    await expect(readRepositoryEnv(path.join(dir, 'missing.env'))).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('ENOENT') });
    await expect(readRepositoryEnv(dir)).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('refuses variables that would make restic run a command or read a file instead of the password given, and any variable restic and its stores do not read', () => {
    const base = 'RESTIC_REPOSITORY=s3:s3.amazonaws.com/acme/restic\nRESTIC_PASSWORD=hunter22\n';
    // restic prefers RESTIC_PASSWORD_COMMAND to RESTIC_PASSWORD: the command would run in the mover, as root, beside the claim;
    // the S3 client runs a credential_process named in AWS_SHARED_CREDENTIALS_FILE (a file on the claim the backup mounts)
    for (const key of ['RESTIC_PASSWORD_COMMAND', 'RESTIC_PASSWORD_FILE', 'RESTIC_REPOSITORY_FILE', 'RESTIC_FROM_PASSWORD_COMMAND', 'RESTIC_FROM_REPOSITORY', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE']) {
      expect(() => parseRepositoryEnv(`${base}${key}=sh -c id`, 'f.env')).toThrow(`f.env: ${key} is not allowed: it makes restic or its store read a file or run a command in the mover (give the repository, its password and the store's credentials as variables)`);
    }
    for (const key of ['LD_PRELOAD', 'PATH', 'HOME', 'GODEBUG', 'constructor']) {
      expect(() => checkRepositoryEnv({ RESTIC_REPOSITORY: 's3:h/b', RESTIC_PASSWORD: 'hunter22', [key]: '/data/x.so' }, 'f.env')).toThrow(/is not a variable restic or its store reads \(RESTIC_\*, AWS_\*, AZURE_\*, GOOGLE_\*, HTTP_PROXY, HTTPS_PROXY, NO_PROXY\)/);
    }
    // a name that may be a pasted secret is not repeated
    expect(() => parseRepositoryEnv(`${base}s3cr3tValue=x`, 'f.env')).toThrow('f.env: line 3 is not a variable restic or its store reads (RESTIC_*, AWS_*, AZURE_*, GOOGLE_*, HTTP_PROXY, HTTPS_PROXY, NO_PROXY)');
    expect(() => parseRepositoryEnv(`${base}s3cr3tValue=x`, 'f.env')).not.toThrow(/s3cr3t/);
    expect(() => parseRepositoryEnv(`${base}__proto__=x`, 'f.env')).toThrow('f.env: line 3 is not a variable');
    const allowed = parseRepositoryEnv(`${base}AWS_ACCESS_KEY_ID=AKIA\nAWS_SECRET_ACCESS_KEY=s\nAZURE_ACCOUNT_KEY=k\nGOOGLE_PROJECT_ID=p\nRESTIC_REST_PASSWORD=r\nRESTIC_COMPRESSION=max\nHTTPS_PROXY=http://proxy:3128\nNO_PROXY=.svc`, 'f.env');
    expect(Object.keys(allowed)).toHaveLength(10);
  });

  it('refuses a variable given twice (which of two passwords would the movers use?), naming the lines, not the values', () => {
    const twice = () => parseRepositoryEnv('RESTIC_REPOSITORY=s3:h/b\nRESTIC_PASSWORD=first-secret\n\nexport RESTIC_PASSWORD=second-secret', 'f.env');
    expect(twice).toThrow('f.env: RESTIC_PASSWORD is set twice (lines 2 and 4)');
    expect(twice).not.toThrow(/secret/);
  });

  it('refuses control characters in a value (a NUL stops the container from starting), without repeating the value', () => {
    expect(() => checkRepositoryEnv({ RESTIC_REPOSITORY: 's3:h/b', RESTIC_PASSWORD: 'hunt\u0000er22' }, 'the repository settings')).toThrow('the repository settings: RESTIC_PASSWORD holds a control character (a NUL, a line break…)');
    expect(() => checkRepositoryEnv({ RESTIC_REPOSITORY: 's3:h/b', RESTIC_PASSWORD: 'hunter22\nX=1' }, 'the repository settings')).toThrow(/RESTIC_PASSWORD holds a control character/);
    expect(() => checkRepositoryEnv({ RESTIC_REPOSITORY: 's3:h/b', RESTIC_PASSWORD: 'hunter22\nX=1' }, 'the repository settings')).not.toThrow(/hunter22/);
  });

  it('shows no credentials of a URL whatever the case of its scheme (restic reads rest:HTTPS:// as https)', () => {
    expect(displayRepository('rest:HTTPS://user:hunter2@backup.example:8000/repo')).toBe('rest:https://backup.example:8000/repo');
    expect(displayRepository('s3:Http://AKID:SECRET@minio.local/bucket')).toBe('s3:http://minio.local/bucket');
  });

  it("removes the user and password of the repository's URL as restic prints them (its own masking keeps the user), encoded or not", () => {
    const redact = redactor({ RESTIC_REPOSITORY: 'rest:http://bobUser:p%40ssW0rd@127.0.0.1:1/repo/', RESTIC_PASSWORD: 'correct horse' });
    expect(redact('Fatal: unable to open config file: Head "http://bobUser:***@127.0.0.1:1/repo/config": refused / rest:http://bobUser:***@127.0.0.1:1/repo/')).toBe('Fatal: unable to open config file: Head "http://***:***@127.0.0.1:1/repo/config": refused / rest:http://***:***@127.0.0.1:1/repo/');
    expect(redact('auth p@ssW0rd p%40ssW0rd')).toBe('auth *** ***');
  });

  it('shows the repository without credentials, and removes every value from text a mover printed', () => {
    expect(displayRepository('rest:https://user:secret@backup.example:8000/repo?x=1')).toBe('rest:https://backup.example:8000/repo');
    expect(displayRepository('s3:s3.amazonaws.com/acme/restic')).toBe('s3:s3.amazonaws.com/acme/restic');
    expect(displayRepository('azure:container:/path')).toBe('azure:container:/path');
    const redact = redactor({ RESTIC_REPOSITORY: 'rest:https://user:secret@h/r', RESTIC_PASSWORD: 'correct horse', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI', X: 'ab' });
    expect(redact('Fatal: wrong password correct horse for rest:https://user:secret@h/r (key wJalrXUtnFEMI) ab')).toBe('Fatal: wrong password *** for *** (key ***) ab');
  });
});
