// Which proxy a request to an API server goes through, as kubectl decides it: the cluster's
// proxy-url, else the environment (Go's net/http ProxyFromEnvironment, golang.org/x/net/http/httpproxy).
import net from 'node:net';
import { FleetdeckError } from '../../shared/errors.ts';
import { displayUrl, validUserInfo } from './redact.ts';

const proxySchemes = new Set(['http:', 'https:', 'socks4:', 'socks4a:', 'socks5:', 'socks5h:']);

export interface Proxy {
  url: URL;
  /** for messages: the proxy without credentials, and where it was set */
  label: string;
}

/**
 * A name or address TLS may send as the server's name: DNS's 253 characters at most (Node's TLS
 * client throws out of an event, crashing the process, on a name longer than 65535).
 */
export const isHostName = (host: string) => /^[\w.:[\]-]{1,253}$/.test(host);

/** A proxy URL, or undefined when it is not one: a known scheme, a host, credentials that decode. */
export function parseProxyUrl(raw: string): URL | undefined {
  const url = URL.parse(raw);
  return url && proxySchemes.has(url.protocol) && isHostName(url.hostname) && validUserInfo(url) ? url : undefined;
}

const unbracket = (host: string) => host.replace(/^\[|\]$/g, '').toLowerCase();
const family = (ip: string) => (net.isIP(ip) === 6 ? 'ipv6' : 'ipv4');

const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

export function isLoopback(hostname: string): boolean {
  const host = unbracket(hostname);
  return host === 'localhost' || (net.isIP(host) !== 0 && loopback.check(host, family(host)));
}

const first = (env: NodeJS.ProcessEnv, ...names: string[]) => names.map((n) => env[n]).find((v) => v);

/**
 * The environment's proxy for this server, or undefined: HTTPS_PROXY (https_proxy) for https://,
 * HTTP_PROXY (http_proxy) for http://, never for localhost or loopback addresses nor for a host
 * NO_PROXY (no_proxy) matches. A value without a scheme is an http:// proxy, as Go reads it.
 * A variable that holds no proxy URL is an error, as it is for kubectl.
 */
export function environmentProxy(server: URL, env: NodeJS.ProcessEnv): Proxy | undefined {
  const name = server.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  const raw = first(env, name, name.toLowerCase());
  if (!raw || isLoopback(server.hostname) || noProxyMatches(server, first(env, 'NO_PROXY', 'no_proxy') ?? '')) return undefined;
  const url = parseProxyUrl(raw.includes('://') ? raw : `http://${raw}`);
  if (!url) throw new FleetdeckError('context-invalid', `the ${name} environment variable is not a proxy URL: ${displayUrl(raw)}`);
  return { url, label: `${displayUrl(url.href)} from ${name}` };
}

const defaultPorts: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * Whether NO_PROXY exempts this server, by Go's rules: `*` matches all; an IP or CIDR matches
 * addresses; a name matches itself and its subdomains (`.example.com` and `*.example.com` only
 * subdomains); any entry may end in `:port`.
 */
export function noProxyMatches(server: URL, noProxy: string): boolean {
  const host = unbracket(server.hostname);
  const port = server.port || defaultPorts[server.protocol] || '';
  const isIp = net.isIP(host) !== 0;
  return noProxy.split(',').some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (entry === '*') return true;
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
    if (cidr) return isIp && net.isIP(cidr[1]) !== 0 && inSubnet(host, cidr[1], Number(cidr[2]));
    const withPort = /^\[(.+)\]:(\d+)$|^([^:]+):(\d+)$/.exec(entry);
    const entryHost = withPort ? unbracket(withPort[1] ?? withPort[3]) : unbracket(entry);
    const entryPort = withPort ? (withPort[2] ?? withPort[4]) : '';
    if (!entryHost || (entryPort && entryPort !== port)) return false;
    if (net.isIP(entryHost)) return isIp && inSubnet(host, entryHost, net.isIP(entryHost) === 4 ? 32 : 128);
    if (isIp) return false;
    const suffix = entryHost.replace(/^\*\./, '.');
    return suffix.startsWith('.') ? host.endsWith(suffix) : host === suffix || host.endsWith(`.${suffix}`);
  });
}

function inSubnet(ip: string, network: string, prefix: number): boolean {
  if (family(ip) !== family(network) || prefix > (family(network) === 'ipv4' ? 32 : 128)) return false;
  const list = new net.BlockList();
  list.addSubnet(network, prefix, family(network));
  return list.check(ip, family(ip));
}
