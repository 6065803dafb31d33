import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeServiceAccount } from '../../../../../test/google-credentials.ts';
import { FleetdeckError } from '../../../../shared/errors.ts';
import { checkRepositoryEnv, displayRepository, parseRepositoryEnv, readGoogleCredentials, readRepositoryEnv, redactor } from './repository.ts';

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
    for (const key of ['RESTIC_PASSWORD_COMMAND', 'RESTIC_PASSWORD_FILE', 'RESTIC_REPOSITORY_FILE', 'RESTIC_FROM_PASSWORD_COMMAND', 'RESTIC_FROM_REPOSITORY', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AZURE_FEDERATED_TOKEN_FILE', 'AZURE_CLIENT_CERTIFICATE_PATH', 'GOOGLE_API_CERTIFICATE_CONFIG', 'RESTIC_CACERT', 'RESTIC_TLS_CLIENT_CERT']) {
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

describe('the Google credentials file of a gs: repository', () => {
  const base = 'RESTIC_REPOSITORY=gs:fleetdeck-backups:/restic\nRESTIC_PASSWORD=hunter22\nGOOGLE_PROJECT_ID=fleetdeck-lab\n';

  it('is read into the settings: its content (on one line), not its path, which means nothing in a mover pod', async () => {
    const key = fakeServiceAccount();
    writeFileSync(path.join(dir, 'sa.json'), JSON.stringify(key, null, 2));
    const envFile = path.join(dir, 'gcs.env');
    writeFileSync(envFile, `${base}GOOGLE_APPLICATION_CREDENTIALS=${path.join(dir, 'sa.json')}\n`);
    const env = await readRepositoryEnv(envFile);
    expect(Object.keys(env)).toEqual(['RESTIC_REPOSITORY', 'RESTIC_PASSWORD', 'GOOGLE_PROJECT_ID', 'GOOGLE_APPLICATION_CREDENTIALS']);
    expect(JSON.parse(env.GOOGLE_APPLICATION_CREDENTIALS)).toEqual(key);
    expect(env.GOOGLE_APPLICATION_CREDENTIALS).not.toMatch(/[\n\r]/);
    // what a run checks the settings with again
    expect(checkRepositoryEnv(env, 'the repository settings')).toBe(env);
    // read again (a saved repository re-checked): unchanged
    await expect(readGoogleCredentials(env, 'again')).resolves.toEqual(env);
  });

  it("takes a relative path from the CLI's folder, and refuses one where there is no folder (the app's dialog)", async () => {
    writeFileSync(path.join(dir, 'sa.json'), JSON.stringify(fakeServiceAccount()));
    const env = parseRepositoryEnv(`${base}GOOGLE_APPLICATION_CREDENTIALS=sa.json`, 'f.env');
    await expect(readGoogleCredentials(env, 'f.env', dir)).resolves.toMatchObject({ GOOGLE_APPLICATION_CREDENTIALS: expect.stringMatching(/^\{"type":"service_account"/) });
    await expect(readGoogleCredentials(env, 'the settings')).rejects.toMatchObject({ code: 'invalid-input', message: 'the settings: GOOGLE_APPLICATION_CREDENTIALS must be an absolute path (or start with ~/), got "sa.json"' });
  });

  it('refuses any other file, saying what is wrong and never what it holds', async () => {
    const token = 'kubeconfig-token-c2VjcmV0LXRva2Vu';
    const refused = async (name: string, content: string | object) => {
      const file = path.join(dir, name);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      const error = await readGoogleCredentials(parseRepositoryEnv(`${base}GOOGLE_APPLICATION_CREDENTIALS=${file}`, 'f.env'), 'f.env').then(
        () => undefined,
        (e: unknown) => e as FleetdeckError,
      );
      expect(error).toBeInstanceOf(FleetdeckError);
      expect(error!.message).not.toMatch(/kubeconfig-token|BEGIN|3f1c0ffee|hunter22|refresh-me/);
      return `${error!.code}: ${error!.message.replace(`f.env: GOOGLE_APPLICATION_CREDENTIALS ${file} `, '')}`;
    };
    const key = fakeServiceAccount();
    expect(await refused('config', `apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: ${token}\n`)).toBe('invalid-input: is not JSON');
    expect(await refused('kubeconfig.json', { apiVersion: 'v1', kind: 'Config', users: [{ name: 'admin', user: { token } }] })).toBe('invalid-input: has no "type" (a Google credentials file has one: service_account, authorized_user, external_account, external_account_authorized_user, impersonated_service_account)');
    expect(await refused('package.json', { name: 'x', type: 'module' })).toBe('invalid-input: has a "type" that is not one of service_account, authorized_user, external_account, external_account_authorized_user, impersonated_service_account');
    expect(await refused('list.json', [key])).toBe('invalid-input: is not a JSON object');
    expect(await refused('no-key.json', { ...key, private_key: '' })).toBe('invalid-input: is a service_account key without "private_key"');
    expect(await refused('not-pem.json', { ...key, private_key: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC' })).toBe('invalid-input: is a service_account key whose "private_key" is not a PEM private key');
    expect(await refused('user.json', { type: 'authorized_user', client_id: 'id', refresh_token: 'refresh-me-please' })).toBe('invalid-input: is an authorized_user key without "client_secret"');
    const federated = { type: 'external_account', audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/aks', subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', token_url: 'https://sts.googleapis.com/v1/token' };
    expect(await refused('federated-file.json', { ...federated, credential_source: { file: '/var/run/secrets/azure/tokens/azure-identity-token' } })).toBe('invalid-input: is an external_account key whose credential source is a file in the mover (give a source the pod reaches, such as a URL, or a service account key)');
    expect(await refused('federated-command.json', { ...federated, credential_source: { executable: { command: '/bin/sh -c id' } } })).toBe('invalid-input: is an external_account key whose credential source is a command in the mover (give a source the pod reaches, such as a URL, or a service account key)');
    expect(await refused('impersonated.json', { type: 'impersonated_service_account', service_account_impersonation_url: 'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/r@p.iam.gserviceaccount.com:generateAccessToken', source_credentials: { type: 'authorized_user', client_id: 'id', client_secret: 's', refresh_token: '' } })).toBe(
      'invalid-input: is an authorized_user key in its "source_credentials" without "refresh_token"',
    );
    writeFileSync(path.join(dir, 'huge.json'), JSON.stringify({ ...key, padding: 'x'.repeat(20_000) }));
    await expect(readGoogleCredentials(parseRepositoryEnv(`${base}GOOGLE_APPLICATION_CREDENTIALS=${path.join(dir, 'huge.json')}`, 'f.env'), 'f.env')).rejects.toMatchObject({ code: 'too-large', message: `f.env: GOOGLE_APPLICATION_CREDENTIALS ${path.join(dir, 'huge.json')} is larger than 16 KiB` });
    await expect(readGoogleCredentials(parseRepositoryEnv(`${base}GOOGLE_APPLICATION_CREDENTIALS=${dir}`, 'f.env'), 'f.env')).rejects.toMatchObject({ code: 'invalid-input', message: `f.env: GOOGLE_APPLICATION_CREDENTIALS ${dir} is not a regular file` });
    await expect(readGoogleCredentials(parseRepositoryEnv(`${base}GOOGLE_APPLICATION_CREDENTIALS=${path.join(dir, 'gone.json')}`, 'f.env'), 'f.env')).rejects.toMatchObject({ code: 'invalid-input', message: `f.env: GOOGLE_APPLICATION_CREDENTIALS cannot read ${path.join(dir, 'gone.json')}: ENOENT` });
    // the settings of a run hold the content: a path there (the renderer sends settings too) is refused, not read
    expect(() => checkRepositoryEnv({ RESTIC_REPOSITORY: 'gs:b:/r', RESTIC_PASSWORD: 'hunter22', GOOGLE_APPLICATION_CREDENTIALS: path.join(homedir(), '.kube/config') }, 'the repository settings')).toThrow(
      "the repository settings: GOOGLE_APPLICATION_CREDENTIALS names a file on this computer, which the movers cannot read: its content belongs in the settings (the CLI's --repository-env and a repository saved in the app read the file)",
    );
    expect(() => checkRepositoryEnv({ RESTIC_REPOSITORY: 'gs:b:/r', RESTIC_PASSWORD: 'hunter22', GOOGLE_APPLICATION_CREDENTIALS: JSON.stringify({ kind: 'Config', token }) }, 'the repository settings')).toThrow(/^the repository settings: GOOGLE_APPLICATION_CREDENTIALS has no "type"/);
  });

  it("hides the key's secrets from what a mover printed, as written, as JSON escapes them, and line by line", () => {
    const key = { ...fakeServiceAccount(), client_secret: 'GOCSPX-clientsecretvalue', refresh_token: '1//0refreshtokenvalue' };
    const redact = redactor({ RESTIC_REPOSITORY: 'gs:b:/r', RESTIC_PASSWORD: 'hunter22', GOOGLE_APPLICATION_CREDENTIALS: JSON.stringify(key) });
    const pemLine = key.private_key.split('\n')[3];
    const printed = `key ${key.private_key_id}: ${JSON.stringify(key.private_key)} / ${pemLine} / ${key.client_secret} ${key.refresh_token} ${key.client_email}`;
    const out = redact(printed);
    expect(out).not.toContain(key.private_key_id);
    expect(out).not.toContain(pemLine);
    expect(out).not.toContain(key.client_secret);
    expect(out).not.toContain(key.refresh_token);
    expect(out).toBe(`key ***: "***" / *** / *** *** ${key.client_email}`);
    expect(redact(key.private_key)).toBe('***');
  });
});
