// Attempts to make restic's gs: client in a mover read a file or run a command through the Google
// credentials Fleetdeck checks: Go's JSON reader (golang.org/x/oauth2/google) takes a field's name
// in any case, and decodes a repeated object into the first, where JSON.parse keeps only the last.
// Both were seen to work against the lab's restic 0.17.3 (a command run, a file sent to token_url).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeServiceAccount } from '../../../../../test/google-credentials.ts';
import { checkRepositoryEnv, displayRepository, parseRepositoryEnv, readGoogleCredentials, redactor } from './repository.ts';

const base = 'RESTIC_REPOSITORY=gs:bucket:/restic\nRESTIC_PASSWORD=correct horse\n';
const federated = { type: 'external_account', audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/aks', subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', token_url: 'https://sts.googleapis.com/v1/token' };
const head = JSON.stringify(federated).slice(0, -1);

/** Key files as text: each read by Go as a file or command source, each seen by JSON.parse as something else. */
const smuggled: [string, string][] = [
  ['a "File" source (Go takes it for "file")', JSON.stringify({ ...federated, credential_source: { File: '/var/run/secrets/kubernetes.io/serviceaccount/token' } })],
  ['an "EXECUTABLE" source', JSON.stringify({ ...federated, credential_source: { EXECUTABLE: { command: '/bin/touch /data/x' } } })],
  ['a "Credential_Source" with a file beside a credential_source with a URL (Go decodes both into one)', JSON.stringify({ ...federated, credential_source: { url: 'https://example.com' }, Credential_Source: { file: '/etc/hostname' } })],
  ['a file source under a name with a long s, which Go folds to s', JSON.stringify({ ...federated, credential_source: { url: 'https://example.com' }, credential_\u017fource: { file: '/etc/hostname' } })],
  ['a command in a credential_source repeated without it (Go merges the two)', `${head},"credential_source":{"executable":{"command":"/bin/touch /data/x"}},"credential_source":{"url":"https://example.com"}}`],
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-repository-attack-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each(smuggled)('refuses %s', (_, key) => {
  it('as a file the env names', async () => {
    writeFileSync(path.join(dir, 'key.json'), key);
    await expect(readGoogleCredentials(parseRepositoryEnv(`${base}GOOGLE_APPLICATION_CREDENTIALS=${path.join(dir, 'key.json')}`, 'f.env'), 'f.env')).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('inline in the env text', async () => {
    await expect(readGoogleCredentials(parseRepositoryEnv(`${base}GOOGLE_APPLICATION_CREDENTIALS=${key}`, 'f.env'), 'f.env')).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it("in a run's settings (the renderer's)", () => {
    expect(() => checkRepositoryEnv({ RESTIC_REPOSITORY: 'gs:bucket:/restic', RESTIC_PASSWORD: 'pw', GOOGLE_APPLICATION_CREDENTIALS: key }, 'the settings')).toThrow(/GOOGLE_APPLICATION_CREDENTIALS .*(field|twice)/);
  });
});

it('still takes the keys Google hands out, headers of a URL source in any case among them', async () => {
  const keys = [
    fakeServiceAccount(),
    { ...federated, credential_source: { url: 'http://169.254.169.254/token', headers: { 'Metadata-Flavor': 'Google', Authorization: 'Bearer x' }, format: { type: 'json', subject_token_field_name: 'access_token' } }, service_account_impersonation: { token_lifetime_seconds: 3600 } },
    { type: 'authorized_user', client_id: 'i', client_secret: 's', refresh_token: 'r', quota_project_id: 'p', universe_domain: 'googleapis.com', account: '' },
    { type: 'impersonated_service_account', service_account_impersonation_url: 'https://iamcredentials.googleapis.com/v1/x', delegates: ['a@b'], source_credentials: { type: 'authorized_user', client_id: 'i', client_secret: 's', refresh_token: 'r' } },
  ];
  for (const key of keys) {
    writeFileSync(path.join(dir, 'key.json'), JSON.stringify(key, null, 2));
    await expect(readGoogleCredentials(parseRepositoryEnv(`${base}GOOGLE_APPLICATION_CREDENTIALS=${path.join(dir, 'key.json')}`, 'f.env'), 'f.env')).resolves.toMatchObject({ GOOGLE_APPLICATION_CREDENTIALS: JSON.stringify(key) });
    expect(checkRepositoryEnv({ ...parseRepositoryEnv(base, 'f.env'), GOOGLE_APPLICATION_CREDENTIALS: JSON.stringify(key) }, 'the settings')).toBeDefined();
  }
});

it('refuses a variable that names a file or a command in the pod however the env text writes it, and quotes no value', () => {
  const secret = 's3cr3t-value-in-the-line';
  for (const line of [
    `export RESTIC_PASSWORD_COMMAND=cat /data/${secret}`,
    `export\tRESTIC_PASSWORD_FILE=/data/${secret}`,
    `  RESTIC_PASSWORD_COMMAND =  "sh -c ${secret}"`,
    `RESTIC_PASSWORD_COMMAND='${secret}'`,
    `restic_password_command=${secret}`,
    `Restic_Password_Command=${secret}`,
    `RESTIC_PASSWORD_COMM\u0410ND=${secret}`,
    `\uFEFFRESTIC_PASSWORD_FILE=${secret}`,
    `RESTIC_PASSWORD_COMMAND\u00a0=${secret}`,
    `"RESTIC_PASSWORD_COMMAND"=${secret}`,
    `AWS_SHARED_CREDENTIALS_FILE=/data/${secret}`,
    `AZURE_FEDERATED_TOKEN_FILE=/data/${secret}`,
    `SSL_CERT_FILE=/data/${secret}`,
    `HOME=/data/${secret}`,
    `PATH=/data:${secret}`,
    `RESTIC_PASSWORD=${secret}\r\nRESTIC_PASSWORD=other`,
  ]) {
    let message = '';
    try {
      parseRepositoryEnv(`RESTIC_REPOSITORY=s3:https://s3.example.com/b\n${line.includes('RESTIC_PASSWORD=') ? '' : 'RESTIC_PASSWORD=pw\n'}${line}\n`, 'f.env');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message, line).toMatch(/^f\.env/);
    expect(message).not.toContain(secret);
  }
  // the renderer's run settings hold the variables as a record
  for (const name of ['RESTIC_PASSWORD_COMMAND', 'restic_password_command', 'RESTIC_FROM_PASSWORD_FILE', 'GOOGLE_API_CERTIFICATE_CONFIG', 'RESTIC_CACERT']) {
    expect(() => checkRepositoryEnv({ RESTIC_REPOSITORY: 's3:https://s3.example.com/b', RESTIC_PASSWORD: 'pw', [name]: secret }, 'the settings')).toThrow(/^the settings: /);
  }
});

it('shows no password of a repository URL the env text writes with a space before it or without its //, and hides its user in what restic prints', () => {
  for (const repository of ['rest: https://backup:hunter22@rest.example.com/repo', 'rest:  HTTPS://backup:hunter22@rest.example.com/repo', 'rest:https:backup:hunter22@rest.example.com/repo', 's3:backup:hunter22@s3.example.com/bucket']) {
    const env = parseRepositoryEnv(`RESTIC_REPOSITORY=${repository}\nRESTIC_PASSWORD=pw-of-the-repo\n`, 'f.env');
    expect(displayRepository(env.RESTIC_REPOSITORY), repository).not.toMatch(/hunter22|backup/);
  }
  // restic prints a rest: URL with its user and *** for the password
  const redact = redactor({ RESTIC_REPOSITORY: 'rest: https://backup-user:hunter22@rest.example.com/repo', RESTIC_PASSWORD: 'pw-of-the-repo' });
  expect(redact('Fatal: unable to open repository at rest:https://backup-user:***@rest.example.com/repo/')).not.toContain('backup-user');
});

it('hides a quoted password with spaces of its own in a log line that lost them', () => {
  const env = parseRepositoryEnv(`RESTIC_REPOSITORY=s3:https://s3.example.com/bucket\nRESTIC_PASSWORD=" pw of the repo "\n`, 'f.env');
  expect(redactor(env)('wrong password: pw of the repo')).toBe('wrong password: ***');
});
