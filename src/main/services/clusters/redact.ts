// What of a kubeconfig may be shown (renderer, CLI output, messages): an allow-list. URLs lose
// their user, password, query and fragment; an exec plugin shows its command's base name and only
// the arguments that name things; its environment is never shown.
import path from 'node:path';

const MASK = '***';
const shorten = (text: string, max = 100) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** A URL fit for display: scheme, host and path; anything else up to its host, without what precedes an `@`. */
export function displayUrl(raw: string): string {
  const url = URL.parse(raw);
  if (url?.host) return shorten(`${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`, 200);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0] ?? '';
  const host = raw.slice(scheme.length).split('@').pop()!.split(/[/?#]/)[0];
  return shorten(`${scheme}${host}`);
}

/**
 * Flags of the usual credential plugins (aws, kubelogin, gke-gcloud-auth-plugin, oidc-login) whose
 * values name a cluster, account or endpoint rather than prove an identity.
 */
const namingFlags = new Set([
  'cluster-name',
  'cluster-id',
  'cluster',
  'region',
  'profile',
  'role-arn',
  'server-id',
  'client-id',
  'tenant-id',
  'environment',
  'login',
  'output',
  'project',
  'zone',
  'location',
  'oidc-issuer-url',
  'oidc-client-id',
]);

/** A subcommand such as `eks` or `get-token`: lowercase words joined by hyphens. */
const subcommand = /^[a-z]+(?:-[a-z]+)*$/;

const flagName = (flag: string) => flag.replace(/^-+/, '').toLowerCase().replaceAll('_', '-');

/**
 * An exec plugin's command line for display, and the values it left out (for scrubbing messages):
 * the command's base name; flags; values of naming flags; subcommands. Every other value, such as
 * the one after `--client-secret` or any value of an unknown flag, is masked.
 */
export function describeExec(command: string, args: readonly string[]): { text: string; hidden: string[] } {
  const hidden: string[] = [];
  const hide = (value: string) => (hidden.push(value), MASK);
  // a URL is shown without its credentials, which a message must not repeat either
  const shownValue = (value: string) => (value.includes('://') ? (hidden.push(...urlSecrets(value)), displayUrl(value)) : shorten(value));
  const shown = [path.basename(command)];
  let valueOf: string | undefined;
  for (const arg of args) {
    if (arg.startsWith('-')) {
      const equals = arg.indexOf('=');
      const name = flagName(equals < 0 ? arg : arg.slice(0, equals));
      valueOf = equals < 0 ? name : undefined;
      if (equals < 0) shown.push(shorten(arg));
      else shown.push(`${shorten(arg.slice(0, equals))}=${namingFlags.has(name) ? shownValue(arg.slice(equals + 1)) : hide(arg.slice(equals + 1))}`);
      continue;
    }
    if (valueOf !== undefined) shown.push(namingFlags.has(valueOf) ? shownValue(arg) : hide(arg));
    else shown.push(subcommand.test(arg) && arg.length <= 40 ? arg : hide(arg));
    valueOf = undefined;
  }
  return { text: shown.join(' '), hidden };
}

const decoded = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/** Whether a URL's user and password decode (Node decodes them, and throws on a stray %). */
export function validUserInfo(url: URL): boolean {
  try {
    decodeURIComponent(url.username + url.password);
    return true;
  } catch {
    return false;
  }
}

/**
 * What of a URL a message must not repeat: the URL as written when its display leaves something out,
 * and its user, password and query values, as written and decoded.
 */
export function urlSecrets(raw: string | undefined): string[] {
  if (!raw || displayUrl(raw) === raw) return [];
  const url = URL.parse(raw);
  const parts = url ? [url.username, url.password, ...url.searchParams.values()] : [];
  return [raw, ...parts.flatMap((part) => [part, decoded(part)])].filter(Boolean);
}

/** Replaces every secret (of at least 4 characters: shorter ones would mask ordinary words) with a mask. */
export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length >= 4).reduce((out, secret) => out.replaceAll(secret, MASK), text);
}
