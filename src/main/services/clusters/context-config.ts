// One kubeconfig context, ready to talk to its API server: TLS and credentials applied as
// client-node's KubeConfig applies them. Loading client-node's KubeConfig also loads its whole
// generated API client (about 80 MB resident) that Fleetdeck never calls; only legacy
// auth-provider users (oidc, azure, gcp) load it, on first use.
import { readFileSync, statSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Cluster, KubeConfig, User } from '@kubernetes/client-node';
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';

/** https.request hands its options to tls.connect, which also takes a ready SecureContext. */
export type RequestOptions = https.RequestOptions & Pick<tls.ConnectionOptions, 'secureContext'>;

const fromFileOrData = (file?: string, data?: string) => (file ? readFileSync(file) : data ? Buffer.from(data, 'base64') : undefined);

export class ContextConfig {
  readonly name: string;
  readonly cluster: Cluster;
  readonly user: User;
  /** caches the plugin's credential until it expires, then runs the plugin again */
  private readonly exec = new ExecAuth();
  private legacy?: Promise<KubeConfig>;
  private tls?: { id: string; context: tls.SecureContext };
  private proxyAgent?: Promise<http.Agent | false>;
  /** the API server as messages name it, with the proxy it is reached through */
  readonly endpoint: string;

  constructor(name: string, cluster: Cluster, user: User) {
    this.name = name;
    this.cluster = cluster;
    this.user = user;
    this.endpoint = cluster.proxyUrl ? `${cluster.server} (through the proxy ${withoutCredentials(cluster.proxyUrl)})` : cluster.server;
  }

  /**
   * An agent for connections to this API server, through the cluster's proxy-url when it has one:
   * HTTP CONNECT for an http or https proxy (Node's own proxy support), else SOCKS.
   */
  async agent(options: https.AgentOptions = {}): Promise<http.Agent> {
    const proxy = this.cluster.proxyUrl;
    if (!proxy) return new https.Agent(options);
    if (proxy.startsWith('socks')) {
      // loaded on first use: it costs about 12 MB resident, and only SOCKS proxies need it
      const { SocksProxyAgent } = await import('socks-proxy-agent');
      return new SocksProxyAgent(proxy, options);
    }
    return new https.Agent({ ...options, proxyEnv: { HTTPS_PROXY: proxy } });
  }

  /** The agent of requests that bring none: the proxy's, or none (a fresh connection each). */
  defaultAgent(): Promise<http.Agent | false> {
    this.proxyAgent ??= this.cluster.proxyUrl ? this.agent() : Promise.resolve(false);
    return this.proxyAgent;
  }

  /** Adds the server's CA, the client certificate or token, and the user's identity headers. */
  async applyTo(opts: RequestOptions): Promise<void> {
    if (this.user.authProvider) return (await this.legacyConfig()).applyToHTTPSOptions(opts);
    const { cluster, user } = this;
    if (cluster.skipTLSVerify) opts.rejectUnauthorized = false;
    if (cluster.tlsServerName) opts.servername = cluster.tlsServerName;
    const headers = (opts.headers ??= {}) as Record<string, string>;
    if (user.impersonateUser) headers['Impersonate-User'] = user.impersonateUser;
    // an exec plugin may hand out a client certificate (and a new one when it expires) besides a token
    const issued: { headers: Record<string, string>; cert?: string; key?: string } = { headers };
    if (user.exec) await this.exec.applyAuthentication(user, issued);
    opts.secureContext = this.secureContextFor(issued.cert, issued.key);
    if (user.token) headers.Authorization = `Bearer ${user.token}`;
    if (user.username) opts.auth = `${user.username}:${user.password}`;
  }

  /**
   * The CA and client certificate parsed once, not for every request (each is a new connection);
   * again when the plugin issues another certificate or a certificate file is replaced.
   */
  private secureContextFor(issuedCert?: string, issuedKey?: string): tls.SecureContext {
    const { cluster, user } = this;
    const changed = [cluster.caFile, user.certFile, user.keyFile].map((file) => (file ? statSync(file, { throwIfNoEntry: false })?.mtimeMs : ''));
    const id = [issuedCert, issuedKey, ...changed].join('\0');
    if (this.tls?.id !== id) {
      const context = tls.createSecureContext({
        ca: fromFileOrData(cluster.caFile, cluster.caData),
        cert: issuedCert ?? fromFileOrData(user.certFile, user.certData),
        key: issuedKey ?? fromFileOrData(user.keyFile, user.keyData),
      });
      this.tls = { id, context };
    }
    return this.tls.context;
  }

  private legacyConfig(): Promise<KubeConfig> {
    this.legacy ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      kc.loadFromOptions({ clusters: [this.cluster], users: [this.user], contexts: [{ name: this.name, cluster: this.cluster.name, user: this.user.name }], currentContext: this.name });
      return kc;
    });
    return this.legacy;
  }
}

/** A proxy URL fit for a message: user and password left out. */
function withoutCredentials(url: string): string {
  try {
    const { protocol, host } = new URL(url);
    return `${protocol}//${host}`;
  } catch {
    return 'with an invalid URL';
  }
}
