// The user's restic repository: its settings come from an env file (or the app), are checked
// here, go to the clusters only inside per-run Secrets, and never appear in a task, report or log.
import { FleetdeckError } from '../../../../shared/errors.ts';
import { readRegularFile } from '../../../base/files.ts';

export type RepositoryEnv = Record<string, string>;

const MAX_ENV_FILE_BYTES = 64 * 1024;
const SCHEMES = ['s3:', 'gs:', 'azure:', 'rest:'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** what restic and the clients of its s3:, gs:, azure: and rest: stores read, and the proxies Go's HTTP client honours */
const READ = /^(?:(?:RESTIC|AWS|AZURE|GOOGLE)_[A-Z0-9_]+|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)$/;
const READ_NAMES = 'RESTIC_*, AWS_*, AZURE_*, GOOGLE_*, HTTP_PROXY, HTTPS_PROXY, NO_PROXY';
/**
 * Read instead of RESTIC_PASSWORD or the store's keys, from a file or a command in the mover's pod
 * (which mounts the claim as root): restic runs RESTIC_PASSWORD_COMMAND even with RESTIC_PASSWORD
 * set, `init` opens RESTIC_FROM_*, and the S3 client runs a credential_process of
 * AWS_SHARED_CREDENTIALS_FILE.
 */
const FILE_OR_COMMAND = /^(?:RESTIC_PASSWORD_(?:FILE|COMMAND)|RESTIC_REPOSITORY_FILE|RESTIC_FROM_[A-Z0-9_]+|AWS_SHARED_CREDENTIALS_FILE|AWS_CONFIG_FILE)$/;

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
  return checkRepositoryEnv(env, source);
}

/** A repository both clusters can reach (s3:, gs:, azure:, rest:) and its password; never echoes a value but the repository's place. */
export function checkRepositoryEnv(env: RepositoryEnv, source: string): RepositoryEnv {
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
  return parseRepositoryEnv(text, file);
}

/** The repository split at its scheme, and its URL if the place is one (restic reads the URL's scheme in any case: rest:HTTPS://). */
function splitRepository(repository: string): { scheme: string; rest: string; url?: URL | 'malformed' } {
  const scheme = repository.slice(0, repository.indexOf(':') + 1);
  const rest = repository.slice(scheme.length);
  if (!/^https?:\/\//i.test(rest)) return { scheme, rest };
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
  return `${scheme}${rest.replace(/[?#].*$/, '')}`;
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

/** Removes every value of the env and its URL's user and password (but short ones that would blank ordinary words) from text a mover printed. */
export function redactor(env: RepositoryEnv): (text: string) => string {
  const secrets = [...Object.entries(env).filter(([key]) => key !== 'RESTIC_PROGRESS_FPS').map(([, value]) => value), ...urlCredentials(env.RESTIC_REPOSITORY ?? '')]
    .filter((value) => value.length >= 4)
    .sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}
