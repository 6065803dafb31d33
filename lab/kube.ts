import https from 'node:https';
import { urls, type LabCluster } from './config.ts';
import { pem } from './pki.ts';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The lab's own small client: admin client certificate, TLS verified against the lab CA. */
export class LabApi {
  private readonly resources = new Map<string, { plural: string; namespaced: boolean }>();
  private readonly server: string;

  constructor(cluster: LabCluster) {
    this.server = urls(cluster).apiserver;
  }

  request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = 15_000): Promise<T> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        new URL(path, this.server),
        {
          method,
          // no keep-alive pool: a pooled socket to an API server that was restarted fails the next request
          agent: false,
          ca: pem('ca.crt'),
          cert: pem('admin.crt'),
          key: pem('admin.key'),
          timeout: timeoutMs,
          headers: { Accept: 'application/json', ...(payload ? { 'Content-Type': contentType } : {}) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) {
              let message = text;
              try {
                message = (JSON.parse(text) as { message?: string }).message ?? text;
              } catch {
                // not JSON
              }
              reject(new ApiError(res.statusCode ?? 0, `${method} ${path}: ${res.statusCode} ${message}`));
            } else resolve((res.headers['content-type']?.includes('json') ? JSON.parse(text) : text) as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Resolves a kind to its REST path through discovery. */
  async path(obj: Pick<KubeObject, 'apiVersion' | 'kind'> & { metadata: { name?: string; namespace?: string } }, subresource?: string): Promise<string> {
    const key = `${obj.apiVersion}/${obj.kind}`;
    if (!this.resources.has(key)) {
      const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
      this.resources.clear();
      const list = await this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>('GET', base);
      for (const r of list.resources) if (!r.name.includes('/')) this.resources.set(`${obj.apiVersion}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
    }
    const resource = this.resources.get(key);
    if (!resource) throw new Error(`${key} is not served`);
    const base = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    const ns = resource.namespaced && obj.metadata.namespace ? `/namespaces/${obj.metadata.namespace}` : '';
    const name = obj.metadata.name ? `/${encodeURIComponent(obj.metadata.name)}` : '';
    return `${base}${ns}/${resource.plural}${name}${subresource ? `/${subresource}` : ''}`;
  }

  /** Server-side apply, the lab's one way to write desired state. */
  async apply(obj: KubeObject, fieldManager = 'fleetdeck-lab'): Promise<KubeObject> {
    return this.request('PATCH', `${await this.path(obj)}?fieldManager=${fieldManager}&force=true`, obj, 'application/apply-patch+yaml');
  }

  async applyStatus(obj: KubeObject, fieldManager = 'fleetdeck-lab'): Promise<KubeObject> {
    return this.request('PATCH', `${await this.path(obj, 'status')}?fieldManager=${fieldManager}&force=true`, obj, 'application/apply-patch+yaml');
  }

  async mergePatch(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, patch: unknown): Promise<KubeObject> {
    return this.request('PATCH', await this.path(obj), patch, 'application/merge-patch+json');
  }

  async list<T = KubeObject>(apiVersion: string, kind: string, namespace?: string): Promise<T[]> {
    const path = await this.path({ apiVersion, kind, metadata: { namespace } });
    const items: T[] = [];
    let next = '';
    do {
      const page = await this.request<{ items: T[]; metadata: { continue?: string } }>('GET', `${path}?limit=500${next ? `&continue=${encodeURIComponent(next)}` : ''}`);
      items.push(...page.items);
      next = page.metadata.continue ?? '';
    } while (next);
    return items;
  }

  /** A namespace pods can be created in: the API server refuses a pod until the controller manager made the namespace's default ServiceAccount. */
  async namespace(name: string, timeoutMs = 30_000): Promise<void> {
    await this.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    for (const deadline = Date.now() + timeoutMs; ; await new Promise((resolve) => setTimeout(resolve, 100))) {
      const found = await this.request('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`).then(() => true, () => false);
      if (found) return;
      if (Date.now() > deadline) throw new Error(`namespace ${name}: no default ServiceAccount after ${timeoutMs / 1000} s`);
    }
  }

  /** The directory on this machine holding a claim's data once it is bound (`fleetdeck.io/lab-path` of its CSI PersistentVolume). */
  async volumeDir(namespace: string, claim: string, timeoutMs = 120_000): Promise<string> {
    type Obj = { spec?: { volumeName?: string; csi?: { volumeAttributes?: Record<string, string> } }; status?: { phase?: string } };
    for (const deadline = Date.now() + timeoutMs; ; await new Promise((resolve) => setTimeout(resolve, 500))) {
      const pvc = await this.request<Obj>('GET', `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${claim}`).catch(() => undefined);
      if (pvc?.status?.phase === 'Bound' && pvc.spec?.volumeName) {
        const dir = (await this.request<Obj>('GET', `/api/v1/persistentvolumes/${pvc.spec.volumeName}`)).spec?.csi?.volumeAttributes?.['fleetdeck.io/lab-path'];
        if (dir) return dir;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${namespace}/${claim} bound to a volume with a fleetdeck.io/lab-path (${timeoutMs / 1000} s)`);
    }
  }

  /**
   * A StatefulSet `db` of `replicas` pods, each with its claim `data-db-N` of the class, in a new
   * namespace; the directories of its volumes once bound.
   */
  async statefulSetWithClaims(namespace: string, options: { storageClassName: string; replicas?: number; storage?: string; image?: string; mountPath?: string; timeoutMs?: number }): Promise<string[]> {
    const { storageClassName, replicas = 1, storage = '1Gi', image = 'postgres:16.4', mountPath = '/var/lib/postgresql/data', timeoutMs } = options;
    await this.namespace(namespace);
    await this.apply({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace },
      spec: {
        replicas,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image, volumeMounts: [{ name: 'data', mountPath }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage } } } }],
      },
    });
    return Promise.all(Array.from({ length: replicas }, (_, i) => this.volumeDir(namespace, `data-db-${i}`, timeoutMs)));
  }

  async ready(): Promise<boolean> {
    return (await this.request<string>('GET', '/readyz', undefined, undefined, 2_000).catch(() => undefined)) !== undefined;
  }
}
