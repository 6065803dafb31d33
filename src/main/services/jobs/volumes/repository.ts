// The user's restic repository: its settings come from an env file (or the app), are checked
// here, go to the clusters only inside per-run Secrets, and never appear in a task, report or log.
import { homedir } from 'node:os';
import path from 'node:path';
import { FleetdeckError } from '../../../../shared/errors.ts';
import { GOOGLE_CREDENTIALS } from '../../../../shared/migration/movers.ts';
import { readRegularFile } from '../../../base/files.ts';

/** The settings as the movers get them; GOOGLE_APPLICATION_CREDENTIALS holds the key file's content (the movers see it as a file). */
export type RepositoryEnv = Record<string, string>;

const MAX_ENV_FILE_BYTES = 64 * 1024;
/** a key is a few KiB; the contract takes settings of up to 16 KiB */
const MAX_KEY_FILE_BYTES = 16 * 1024;
/** the credential files golang.org/x/oauth2/google reads (restic's gs: client), with the fields each needs */
const GOOGLE_TYPES: Record<string, string[]> = {
  service_account: ['client_email', 'private_key'],
  authorized_user: ['client_id', 'client_secret', 'refresh_token'],
  external_account: ['audience', 'subject_token_type', 'credential_source'],
  external_account_authorized_user: ['refresh_token', 'token_url'],
  impersonated_service_account: ['service_account_impersonation_url', 'source_credentials'],
};
const GOOGLE_SECRETS = new Set(['private_key', 'private_key_id', 'client_secret', 'refresh_token']);
const SCHEMES = ['s3:', 'gs:', 'azure:', 'rest:'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** what restic and the clients of its s3:, gs:, azure: and rest: stores read, and the proxies Go's HTTP client honours */
const READ = /^(?:(?:RESTIC|AWS|AZURE|GOOGLE)_[A-Z0-9_]+|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)$/;
const READ_NAMES = 'RESTIC_*, AWS_*, AZURE_*, GOOGLE_*, HTTP_PROXY, HTTPS_PROXY, NO_PROXY';
/**
 * Read instead of RESTIC_PASSWORD or the store's keys, from a file or a command in the mover's pod
 * (which mounts the claim as root): restic runs RESTIC_PASSWORD_COMMAND even with RESTIC_PASSWORD
 * set, `init` opens RESTIC_FROM_*, and the S3 client runs a credential_process of
 * AWS_SHARED_CREDENTIALS_FILE. Any *_FILE, *_PATH, *_COMMAND or *_CONFIG (AZURE_FEDERATED_TOKEN_FILE,
 * AZURE_CLIENT_CERTIFICATE_PATH, GOOGLE_API_CERTIFICATE_CONFIG…) and restic's certificate paths
 * name a file in the pod as well. GOOGLE_APPLICATION_CREDENTIALS is read here instead (readGoogleCredentials).
 */
const FILE_OR_COMMAND = /^(?:RESTIC_FROM_[A-Z0-9_]+|RESTIC_CACERT|RESTIC_TLS_CLIENT_CERT|RESTIC_CACHE_DIR|[A-Z0-9_]+_(?:FILE|PATH|COMMAND|CONFIG))$/;

/** Why a variable is not passed to the movers; its name is repeated only in capitals (a lower-case one may be a pasted secret). */
function refusal(key: string, unnamed: string): string | undefined {
  if (FILE_OR_COMMAND.test(key)) return `${key} is not allowed: it makes restic or its store read a file or run a command in the mover (give the repository, its password and the store's credentials as variables)`;
  if (!READ.test(key)) return `${/^[A-Z][A-Z0-9_]*$/.test(key) ? key : unnamed} is not a variable restic or its store reads (${READ_NAMES})`;
  return undefined;
}

/** KEY=VALUE lines (an `export ` before the key and quotes around the value are allowed); blank lines and # comments skipped. */
export function parseRepositoryEnv(text: string, source: string): RepositoryEnv {
  const env: RepositoryEnv = {};
  const lines = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    // the line itself is not quoted: it may hold a secret
    if (!match || !NAME.test(match[1])) throw new FleetdeckError('invalid-input', `${source} line ${index + 1} is not KEY=VALUE`);
    const refused = refusal(match[1], `line ${index + 1}`);
    if (refused) throw new FleetdeckError('invalid-input', `${source}: ${refused}`);
    const earlier = lines.get(match[1]);
    if (earlier) throw new FleetdeckError('invalid-input', `${source}: ${match[1]} is set twice (lines ${earlier} and ${index + 1})`);
    lines.set(match[1], index + 1);
    const value = match[2];
    env[match[1]] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  });
  return checkEnv(env, source, 'path');
}

/**
 * Why Go's JSON reader (restic's gs: client) could read the key otherwise than JSON.parse does: it
 * takes a field's name in any case (and folds ſ to s, K to k), and decodes an object given twice
 * into the first, where JSON.parse keeps the last; either would hide a file or command source
 * from the check. Field names Google writes are lower case; a URL source's headers may be any.
 */
function keyNamesProblem(text: string): string | undefined {
  const open: { names?: Set<string>; headers: boolean }[] = [];
  let name = '';
  let expectName = false;
  // JSON.parse took the text: a quote always starts a whole string token here
  for (const [token] of text.matchAll(/"(?:[^"\\]|\\.)*"|[{}[\],]/g)) {
    const inner = open.at(-1);
    if (token === '{' || token === '[') {
      open.push(token === '{' ? { names: new Set(), headers: name === 'headers' } : { headers: false });
      expectName = token === '{';
    } else if (token === '}' || token === ']') {
      open.pop();
      expectName = false;
    } else if (token === ',') expectName = Boolean(inner?.names);
    else if (expectName && inner?.names) {
      name = JSON.parse(token) as string;
      expectName = false;
      if (!inner.headers && !/^[a-z0-9_]+$/.test(name)) return 'has a field whose name is not in lower case (Go reads any case as the lower-case field)';
      if (inner.names.has(name.toLowerCase())) return 'has a field twice (Go and this check would read different ones)';
      inner.names.add(name.toLowerCase());
    }
  }
  return undefined;
}

/**
 * Why a Google credentials file is not one restic's gs: client can use in a mover (undefined when
 * it is); never quotes the content. A credential source that is a file or a command in the pod is
 * refused as the variables that name one are.
 */
function googleCredentialsProblem(text: string): string | undefined {
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text
    return 'is not JSON';
  }
  const problem = (value: unknown, where: string): string | undefined => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `is not a JSON object${where}`;
    const fields = value as Record<string, unknown>;
    if (typeof fields.type !== 'string') return `has no "type"${where} (a Google credentials file has one: ${Object.keys(GOOGLE_TYPES).join(', ')})`;
    const needed = Object.hasOwn(GOOGLE_TYPES, fields.type) ? GOOGLE_TYPES[fields.type] : undefined;
    if (!needed) return `has a "type"${where} that is not one of ${Object.keys(GOOGLE_TYPES).join(', ')}`;
    const missing = needed.filter((field) => fields[field] === undefined || fields[field] === '');
    if (missing.length) return `is ${/^[aeiou]/.test(fields.type) ? 'an' : 'a'} ${fields.type} key${where} without ${missing.map((f) => `"${f}"`).join(', ')}`;
    if (fields.type === 'service_account' && !/^-----BEGIN (?:RSA )?PRIVATE KEY-----/.test(String(fields.private_key).trim())) return `is a service_account key${where} whose "private_key" is not a PEM private key`;
    const source = fields.type === 'external_account' ? (fields.credential_source as Record<string, unknown>) : undefined;
    if (source?.file !== undefined || source?.executable !== undefined) return `is an external_account key${where} whose credential source is ${source.file !== undefined ? 'a file' : 'a command'} in the mover (give a source the pod reaches, such as a URL, or a service account key)`;
    return fields.type === 'impersonated_service_account' ? problem(fields.source_credentials, `${where} in its "source_credentials"`) : undefined;
  };
  return problem(key, '') ?? keyNamesProblem(text);
}

/** A repository both clusters can reach (s3:, gs:, azure:, rest:) and its password; never echoes a value but the repository's place. */
export function checkRepositoryEnv(env: RepositoryEnv, source: string): RepositoryEnv {
  return checkEnv(env, source, 'content');
}

/** As checkRepositoryEnv; GOOGLE_APPLICATION_CREDENTIALS holds the key file's path in env text, its content in the settings of a run. */
function checkEnv(env: RepositoryEnv, source: string, credentialsAs: 'path' | 'content'): RepositoryEnv {
  const credentials = env[GOOGLE_CREDENTIALS];
  if (credentials === '') throw new FleetdeckError('invalid-input', `${source}: ${GOOGLE_CREDENTIALS} is empty (it names the Google credentials JSON file of a gs: repository)`);
  if (credentials !== undefined && credentialsAs === 'content') {
    if (!credentials.startsWith('{')) throw new FleetdeckError('invalid-input', `${source}: ${GOOGLE_CREDENTIALS} names a file on this computer, which the movers cannot read: its content belongs in the settings (the CLI's --repository-env and a repository saved in the app read the file)`);
    const problem = googleCredentialsProblem(credentials);
    if (problem) throw new FleetdeckError('invalid-input', `${source}: ${GOOGLE_CREDENTIALS} ${problem}`);
  }
  for (const [key, value] of Object.entries(env)) {
    const refused = refusal(key, 'a variable whose name is not in capitals');
    if (refused) throw new FleetdeckError('invalid-input', `${source}: ${refused}`);
    if (/[\u0000-\u001f\u007f]/.test(value)) throw new FleetdeckError('invalid-input', `${source}: ${key} holds a control character (a NUL, a line break…)`);
  }
  const repository = env.RESTIC_REPOSITORY;
  if (!repository) throw new FleetdeckError('invalid-input', `${source} has no RESTIC_REPOSITORY`);
  if (!SCHEMES.some((scheme) => repository.startsWith(scheme))) {
    throw new FleetdeckError('invalid-input', `${source}: RESTIC_REPOSITORY must be a repository both clusters reach, starting with ${SCHEMES.join(', ')} (a local path or sftp: is not reachable from the clusters' pods)`);
  }
  if (!env.RESTIC_PASSWORD) throw new FleetdeckError('invalid-input', `${source} has no RESTIC_PASSWORD (a password file or command is not available inside the clusters)`);
  return env;
}

export async function readRepositoryEnv(file: string): Promise<RepositoryEnv> {
  let text: string;
  try {
    text = (await readRegularFile(file, MAX_ENV_FILE_BYTES, 'invalid-input')).toString('utf8');
  } catch (error) {
    if (error instanceof FleetdeckError) throw new FleetdeckError('invalid-input', `--repository-env ${error.message}`);
    throw new FleetdeckError('invalid-input', `cannot read --repository-env ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return readGoogleCredentials(parseRepositoryEnv(text, file), file, process.cwd());
}

/**
 * The settings with the Google credentials file that GOOGLE_APPLICATION_CREDENTIALS names read in
 * (a regular file, checked to be a Google credentials JSON: main ships no other file to a
 * cluster), so that they work where the file is not, and after it moves. A relative path is taken
 * from cwd, and refused without one (the app's settings come from a dialog, not a folder).
 */
export async function readGoogleCredentials(env: RepositoryEnv, source: string, cwd?: string): Promise<RepositoryEnv> {
  const named = env[GOOGLE_CREDENTIALS];
  // the content already (settings read again, or a key pasted on one line)
  if (named === undefined || named.startsWith('{')) return checkRepositoryEnv(env, source);
  const home = named === '~' || named.startsWith('~/') ? path.join(homedir(), named.slice(1)) : named;
  if (!path.isAbsolute(home) && !cwd) throw new FleetdeckError('invalid-input', `${source}: ${GOOGLE_CREDENTIALS} must be an absolute path (or start with ~/), got "${named}"`);
  const file = path.resolve(cwd ?? '/', home);
  let text: string;
  try {
    text = (await readRegularFile(file, MAX_KEY_FILE_BYTES, 'invalid-input')).toString('utf8');
  } catch (error) {
    const why = error instanceof FleetdeckError ? error.message : `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    throw new FleetdeckError(error instanceof FleetdeckError ? error.code : 'invalid-input', `${source}: ${GOOGLE_CREDENTIALS} ${why}`);
  }
  const problem = googleCredentialsProblem(text);
  if (problem) throw new FleetdeckError('invalid-input', `${source}: ${GOOGLE_CREDENTIALS} ${file} ${problem}`);
  // on one line: a setting holds no line break
  return { ...env, [GOOGLE_CREDENTIALS]: JSON.stringify(JSON.parse(text)) };
}

/** The repository split at its scheme, and its URL if the place is one (restic reads the URL's scheme in any case: rest:HTTPS://). */
function splitRepository(repository: string): { scheme: string; rest: string; url?: URL | 'malformed' } {
  const scheme = repository.slice(0, repository.indexOf(':') + 1);
  const rest = repository.slice(scheme.length);
  // the URL parser skips leading spaces, as may a reader of the settings
  if (!/^\s*https?:\/\//i.test(rest)) return { scheme, rest };
  try {
    return { scheme, rest, url: new URL(rest) };
  } catch {
    return { scheme, rest, url: 'malformed' };
  }
}

/** The repository as reports show it: its scheme and place, without user, password or query. */
export function displayRepository(repository: string): string {
  const { scheme, rest, url } = splitRepository(repository);
  if (url === 'malformed') return `${scheme}(malformed URL)`;
  if (url) return `${scheme}${url.protocol}//${url.host}${url.pathname}`;
  // a place that is no URL (bucket:/path, host/bucket) has no @ before its first /: what is there is a user and password
  return `${scheme}${rest.replace(/^[^/]*@/, '').replace(/[?#].*$/, '')}`;
}

/** The user and password in the repository's URL, as written and decoded: restic prints the URL with the user and *** for the password. */
function urlCredentials(repository: string): string[] {
  const { url } = splitRepository(repository);
  if (!url || url === 'malformed') return [];
  return [url.username, url.password].filter(Boolean).flatMap((part) => {
    try {
      return [part, decodeURIComponent(part)];
    } catch {
      return [part];
    }
  });
}

/** The secrets in a Google credentials file, as written and as JSON escapes them, and each line of a PEM key (a message may quote one). */
function googleSecrets(credentials: string | undefined): string[] {
  let key: unknown;
  try {
    key = JSON.parse(credentials ?? '');
  } catch {
    return [];
  }
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value !== 'object' || value === null) return;
    for (const [field, inner] of Object.entries(value)) {
      if (typeof inner === 'string' && GOOGLE_SECRETS.has(field)) found.push(inner, JSON.stringify(inner).slice(1, -1), ...inner.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----')));
      else walk(inner);
    }
  };
  walk(key);
  return found;
}

/**
 * Removes every value of the env, its URL's user and password and the secrets of its Google key (but
 * short ones that would blank ordinary words) from text a mover printed; each also without its own
 * leading or trailing spaces, which a trimmed log line loses.
 */
export function redactor(env: RepositoryEnv): (text: string) => string {
  const secrets = [...Object.entries(env).filter(([key]) => key !== 'RESTIC_PROGRESS_FPS').map(([, value]) => value), ...urlCredentials(env.RESTIC_REPOSITORY ?? ''), ...googleSecrets(env[GOOGLE_CREDENTIALS])]
    .flatMap((value) => [value, value.trim()])
    .filter((value) => value.length >= 4)
    .sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}
