// What of a kubeconfig may be shown (renderer, CLI output, messages): an allow-list. URLs lose
// their user, password, query and fragment, and a URL that does not parse shows nothing of its body;
// an exec plugin shows its command's base name, its flags, the values of flags that name things and
// the subcommands of known plugins; its environment is never shown. Messages made from lower-level
// errors go through scrub.
import path from 'node:path';
import { credentialPlugins, pluginName } from '../../shared/cloud.ts';

const MASK = '***';
const shorten = (text: string, max = 100) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** Schemes a URL that does not parse may still be shown with: the ones Fleetdeck itself speaks. */
const knownScheme = /^(?:https?|socks4a?|socks5h?):\/\//i;

/**
 * A URL fit for display: scheme, host, port and path. A URL that does not parse with a host shows
 * at most its scheme and a marker: in `http://user:password`, nothing says which part is which.
 */
export function displayUrl(raw: string): string {
  const url = URL.parse(raw);
  if (url?.host) return shorten(`${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`, 200);
  return `${knownScheme.exec(raw)?.[0].toLowerCase() ?? ''}(malformed URL)`;
}

/**
 * Flags of the usual credential plugins (aws, kubelogin, gke-gcloud-auth-plugin, oidc-login, gcloud)
 * whose values name a cluster, account or endpoint rather than prove an identity.
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
  'format',
  'project',
  'zone',
  'location',
  'oidc-issuer-url',
  'oidc-client-id',
]);

/** Flags of those plugins that take no value: the argument after one is not its value. */
const switches = new Set(['verbose', 'debug', 'use-application-default-credentials', 'legacy', 'pop-enabled']);

/** A flag shown by name: a long lowercase one or a single letter; anything else that starts with `-` is masked. */
const wellFormedFlag = /^(?:--[a-z][a-z0-9_-]{0,39}|-[a-zA-Z])$/;

const flagName = (flag: string) => flag.replace(/^-+/, '').replaceAll('_', '-');

/**
 * An exec plugin's command line for display, and the values it left out (for scrubbing messages):
 * the command's base name; well-formed flags; the values of naming flags; the subcommand words of a
 * known plugin. Every other argument is masked: the value after any other flag that may take one,
 * whatever it starts with, and every other positional argument.
 */
export function describeExec(command: string, args: readonly string[]): { text: string; hidden: string[] } {
  const hidden: string[] = [];
  const hide = (value: string) => (hidden.push(value), MASK);
  // a URL is shown without its credentials, which a message must not repeat either
  const shownValue = (value: string) => (value.includes('://') ? (hidden.push(...urlSecrets(value)), displayUrl(value)) : shorten(value));
  const words = new Set(credentialPlugins.get(pluginName(command))?.subcommand);
  const shown = [path.basename(command)];
  /** the flag whose value comes next ('' for a masked one) */
  let valueOf: string | undefined;
  let optionsEnded = false;
  for (const arg of args) {
    if (valueOf !== undefined) {
      shown.push(namingFlags.has(valueOf) ? shownValue(arg) : hide(arg));
      valueOf = undefined;
    } else if (optionsEnded || !arg.startsWith('-')) {
      shown.push(!optionsEnded && words.has(arg) ? arg : hide(arg));
    } else if (arg === '--') {
      shown.push(arg);
      optionsEnded = true;
    } else {
      const equals = arg.indexOf('=');
      const flag = equals < 0 ? arg : arg.slice(0, equals);
      const known = wellFormedFlag.test(flag);
      if (equals >= 0) shown.push(known ? `${flag}=${namingFlags.has(flagName(flag)) ? shownValue(arg.slice(equals + 1)) : hide(arg.slice(equals + 1))}` : hide(arg));
      else shown.push(known ? flag : hide(arg));
      if (equals < 0 && !(known && switches.has(flagName(flag)))) valueOf = known ? flagName(flag) : '';
    }
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
 * and its user, password, query (each value, or each part without a value) and fragment, as written
 * and decoded.
 */
export function urlSecrets(raw: string | undefined): string[] {
  if (!raw || displayUrl(raw) === raw) return [];
  const url = URL.parse(raw);
  const query = url ? url.search.slice(1).split('&').map((part) => part.slice(part.indexOf('=') + 1)) : [];
  const parts = url ? [url.username, url.password, url.search.slice(1), url.hash.slice(1), ...query] : [];
  return [raw, ...parts.flatMap((part) => [part, decoded(part), decoded(part.replaceAll('+', ' '))])].filter(Boolean);
}

/** A URL in running text: up to a space or a quote; punctuation that ends a sentence is not part of it. */
const urlInText = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]*/gi;
const sentenceEnd = /[.,:;!?)]+$/;

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * The one way text from below (a Node error, a plugin's output) becomes part of a message: one line,
 * with every secret masked (of at least 4 characters: shorter ones would mask ordinary words),
 * longest first, then every URL in it shown as displayUrl shows it; at most 400 characters. Secrets
 * are matched with their whitespace made one line too: what is quoted may have been trimmed or
 * re-wrapped, a secret's own leading or trailing spaces lost with it.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  const masked = [...new Set(secrets.map(oneLine))]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length)
    .reduce((out, secret) => out.replaceAll(secret, MASK), oneLine(text));
  const urlsShown = masked.replace(urlInText, (url) => {
    const end = sentenceEnd.exec(url)?.[0] ?? '';
    return displayUrl(url.slice(0, url.length - end.length)) + end;
  });
  return urlsShown.slice(0, 400);
}
