// One kubeconfig context, ready to talk to its API server: TLS and credentials applied as kubectl
// applies them. Loading client-node's KubeConfig also loads its whole generated API client (about
// 80 MB resident) that Fleetdeck never calls; only legacy auth-provider users (oidc, azure, gcp)
// load it, on first use, and only for their Authorization header.
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import type { Cluster, KubeConfig, User } from '@kubernetes/client-node';
import { FleetdeckError, messageOf } from '../../shared/errors.ts';
import { credentialFromPlugin, defaultPluginLimits, type ExecSpec, type PluginLimits } from './exec-credential.ts';
import { readRegularFile } from '../base/files.ts';
import type { Proxy } from './proxy.ts';
import { displayUrl, scrub, urlSecrets } from './redact.ts';

/** https.request hands its options to tls.connect, which also takes a ready SecureContext. */
export type RequestOptions = https.RequestOptions & Pick<tls.ConnectionOptions, 'secureContext'>;

export interface KubeUser extends User {
  /** read at every request, again when it changed (a projected service-account token is rotated) */
  readonly tokenFile?: string;
  readonly impersonate?: { user: string; uid?: string; groups: string[]; extra: Record<string, string[]> };
}

export interface ContextParts {
  name: string;
  server: URL;
  proxy?: Proxy;
  cluster: Cluster;
  user: KubeUser;
  /** the context's secret values, which no message may repeat (a plugin's error output might); the server's and proxy's are added */
  secrets: string[];
  /** how long an exec plugin may run and how much it may write */
  pluginLimits?: PluginLimits;
}

/** CA bundles are the largest credential files, a few hundred KB. */
const MAX_CREDENTIAL_FILE_BYTES = 2 ** 20;

const fromData = (data?: string) => (data ? Buffer.from(data, 'base64') : undefined);

const tokenChar = /^[A-Za-z0-9!#$&'*+.^_`|~-]$/;
/** An as-user-extra key as client-go puts it in a header name: bytes other than HTTP token characters, and %, percent-encoded. */
const headerKey = (key: string) =>
  [...Buffer.from(key)]
    .map((byte) => String.fromCharCode(byte))
    .map((c) => (tokenChar.test(c) ? c : `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');

export class ContextConfig {
  readonly name: string;
  readonly cluster: Cluster;
  readonly user: KubeUser;
  /** the API server as messages name it (without credentials), with the proxy it is reached through */
  readonly endpoint: string;
  private readonly base: string;
  private readonly secure: boolean;
  private readonly proxy?: Proxy;
  private readonly secrets: string[];
  private readonly pluginLimits: PluginLimits;
  private legacy?: Promise<KubeConfig>;
  private tls?: { id: string; context: tls.SecureContext };
  private readonly files = new Map<string, { stamp: string; data: Buffer }>();
  private proxyAgent?: Promise<http.Agent | false>;

  constructor({ name, server, proxy, cluster, user, secrets, pluginLimits = defaultPluginLimits }: ContextParts) {
    this.name = name;
    this.pluginLimits = pluginLimits;
    this.cluster = cluster;
    this.user = user;
    this.proxy = proxy;
    this.secrets = [...secrets, ...urlSecrets(server.href), ...urlSecrets(proxy?.url.href)];
    this.secure = server.protocol === 'https:';
    const base = new URL(server);
    base.search = '';
    base.hash = '';
    this.base = base.href.replace(/\/$/, '');
    this.endpoint = proxy ? `${displayUrl(server.href)} (through the proxy ${proxy.label})` : displayUrl(server.href);
  }

  /**
   * What a lower-level error (a socket, TLS, a proxy, a plugin, a file) says, fit to be quoted in a
   * message: this context's secrets masked and every URL shown without credentials (see scrub).
   */
  quote(error: unknown): string {
    return scrub(messageOf(error), this.secrets);
  }

  /**
   * The URL of an API path: appended to the server's, which may have a path of its own (Rancher's
   * do). A `.` or `..` segment, however encoded, is refused: URL parsing would resolve it and the
   * request would reach another resource than the one named.
   */
  url(apiPath: string): URL {
    // URL parsing drops tabs and newlines before it resolves segments
    const segments = apiPath.replace(/[\t\n\r]/g, '').split(/[?#]/, 1)[0].split(/[/\\]/);
    if (segments.some((s) => /^(\.|%2e){1,2}$/i.test(s))) throw new FleetdeckError('invalid-input', `not an API path (a . or .. segment): ${apiPath.slice(0, 200)}`);
    return new URL(`${this.base}${apiPath}`);
  }

  /** The request function of this server's scheme: kubectl also talks plain HTTP to an http:// server. */
  get request(): typeof https.request {
    return this.secure ? https.request : http.request;
  }

  /**
   * An agent for connections to this API server, through its proxy when it has one: HTTP CONNECT
   * for an http or https proxy (Node's own proxy support), else SOCKS.
   */
  async agent(options: https.AgentOptions = {}): Promise<http.Agent> {
    const Agent = this.secure ? https.Agent : http.Agent;
    const proxy = this.proxy?.url;
    if (!proxy) return new Agent(options);
    if (proxy.protocol.startsWith('socks')) {
      // loaded on first use: it costs about 12 MB resident, and only SOCKS proxies need it
      const { SocksProxyAgent } = await import('socks-proxy-agent');
      return new SocksProxyAgent(proxy, options);
    }
    return new Agent({ ...options, proxyEnv: { [this.secure ? 'HTTPS_PROXY' : 'HTTP_PROXY']: proxy.href } });
  }

  /** The agent of requests that bring none: the proxy's, or none (a fresh connection each). */
  defaultAgent(): Promise<http.Agent | false> {
    this.proxyAgent ??= this.proxy ? this.agent() : Promise.resolve(false);
    return this.proxyAgent;
  }

  /** Adds the server's CA, the client certificate, the token or password, and the impersonation headers. */
  async applyTo(opts: RequestOptions): Promise<void> {
    const { cluster, user } = this;
    if (cluster.skipTLSVerify) opts.rejectUnauthorized = false;
    if (cluster.tlsServerName) opts.servername = cluster.tlsServerName;
    const headers = (opts.headers ??= {}) as http.OutgoingHttpHeaders;
    const issued = await this.issuedCredential();
    if (issued.headers.Authorization) headers.Authorization = issued.headers.Authorization;
    if (this.secure) opts.secureContext = await this.secureContextFor(issued.cert, issued.key);
    const token = (user.tokenFile && (await this.read(user.tokenFile, 'tokenFile')).data.toString('utf8').trim()) || user.token;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (user.username) opts.auth = `${user.username}:${user.password ?? ''}`;
    const impersonate = user.impersonate;
    if (impersonate) {
      headers['Impersonate-User'] = impersonate.user;
      if (impersonate.uid) headers['Impersonate-Uid'] = impersonate.uid;
      if (impersonate.groups.length) headers['Impersonate-Group'] = impersonate.groups;
      for (const [key, values] of Object.entries(impersonate.extra)) headers[`Impersonate-Extra-${headerKey(key)}`] = values;
    }
    for (const [name, value] of Object.entries(headers)) {
      try {
        for (const one of [value ?? ''].flat()) http.validateHeaderValue(name, String(one));
      } catch {
        throw new FleetdeckError('context-invalid', `context "${this.name}": the ${name.slice(0, 60)} header would carry characters HTTP does not allow (from the user's token, tokenFile, plugin or as-… fields)`);
      }
    }
  }

  /** What an exec plugin or a legacy auth provider hands out: an Authorization header, or a client certificate. */
  private async issuedCredential(): Promise<{ headers: Record<string, string>; cert?: string; key?: string }> {
    const issued: { headers: Record<string, string>; cert?: string; key?: string } = { headers: {} };
    const { exec, authProvider } = this.user;
    const execInfo = exec && (await this.execInfo());
    try {
      if (exec) {
        const { token, cert, key } = await credentialFromPlugin(exec as ExecSpec, execInfo!, this.pluginLimits);
        if (token) issued.headers.Authorization = `Bearer ${token}`;
        Object.assign(issued, { cert, key });
      } else if (authProvider) await (await this.legacyConfig()).applyToHTTPSOptions(issued);
      return issued;
    } catch (error) {
      const what = exec ? `credential plugin ${path.basename((exec as { command: string }).command)}` : `auth provider ${(authProvider as { name: string }).name}`;
      throw new FleetdeckError('exec-plugin-failed', `context "${this.name}": ${what} failed${this.credentialFailure(error)}`);
    }
  }

  /**
   * Why a plugin failed, in its own words (its standard error) with the context's secrets masked;
   * output that is no credential is not quoted: a parser's excerpt of it could cut a secret in half.
   */
  private credentialFailure(error: unknown): string {
    const code = (error as NodeJS.ErrnoException).code;
    if (code) return `: cannot run it (${code})`;
    if (error instanceof SyntaxError || error instanceof TypeError) return ': its output is not an ExecCredential';
    const detail = this.quote(error);
    return detail ? `: ${detail}` : '';
  }

  /** KUBERNETES_EXEC_INFO as client-go sets it: never interactive; the cluster only when the plugin asks for it. */
  private async execInfo(): Promise<string> {
    const { apiVersion = 'client.authentication.k8s.io/v1', provideClusterInfo } = this.user.exec as { apiVersion?: string; provideClusterInfo?: boolean };
    const { server, tlsServerName, skipTLSVerify, caFile, caData } = this.cluster;
    const cluster = provideClusterInfo && {
      server,
      'tls-server-name': tlsServerName,
      'insecure-skip-tls-verify': skipTLSVerify || undefined,
      'certificate-authority-data': caFile ? (await this.read(caFile, 'certificate-authority')).data.toString('base64') : caData,
      'proxy-url': this.proxy?.url.href,
    };
    return JSON.stringify({ apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(cluster && { cluster }) } });
  }

  /**
   * The CA and client certificate parsed once, not for every request (each is a new connection);
   * again when the plugin issues another certificate or a certificate file is replaced.
   */
  private async secureContextFor(issuedCert?: string, issuedKey?: string): Promise<tls.SecureContext> {
    const { cluster, user } = this;
    const [ca, cert, key] = await Promise.all([
      cluster.caFile ? this.read(cluster.caFile, 'certificate-authority') : undefined,
      user.certFile && !issuedCert ? this.read(user.certFile, 'client-certificate') : undefined,
      user.keyFile && !issuedKey ? this.read(user.keyFile, 'client-key') : undefined,
    ]);
    const id = [issuedCert, issuedKey, ca?.stamp, cert?.stamp, key?.stamp].join('\0');
    if (this.tls?.id !== id) {
      try {
        const context = tls.createSecureContext({
          ca: ca?.data ?? fromData(cluster.caData),
          cert: issuedCert ?? cert?.data ?? fromData(user.certData),
          key: issuedKey ?? key?.data ?? fromData(user.keyData),
        });
        this.tls = { id, context };
      } catch (error) {
        throw new FleetdeckError('context-invalid', `context "${this.name}": its certificate authority, client certificate or key cannot be used: ${this.quote(error)}`);
      }
    }
    return this.tls.context;
  }

  /** A file the kubeconfig names, read again only when it changed on disk. */
  private async read(file: string, field: string): Promise<{ stamp: string; data: Buffer }> {
    try {
      const { mtimeMs, size, ino } = await stat(file);
      const stamp = `${mtimeMs}:${size}:${ino}`;
      const cached = this.files.get(file);
      if (cached?.stamp === stamp) return cached;
      const read = { stamp, data: await readRegularFile(file, MAX_CREDENTIAL_FILE_BYTES, 'context-invalid') };
      this.files.set(file, read);
      return read;
    } catch (error) {
      if (error instanceof FleetdeckError) throw new FleetdeckError(error.code, `context "${this.name}": ${field} ${this.quote(error)}`);
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `cannot be read: ${this.quote(error)}`;
      throw new FleetdeckError('context-invalid', `context "${this.name}": ${field} ${file} ${reason}`);
    }
  }

  private legacyConfig(): Promise<KubeConfig> {
    this.legacy ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      // only the provider: the CA, certificates and files are Fleetdeck's to read
      const cluster = { name: this.cluster.name, server: this.cluster.server, skipTLSVerify: false };
      const user = { name: this.user.name, authProvider: this.user.authProvider };
      kc.loadFromOptions({ clusters: [cluster], users: [user], contexts: [{ name: this.name, cluster: cluster.name, user: user.name }], currentContext: this.name });
      return kc;
    });
    return this.legacy;
  }
}
