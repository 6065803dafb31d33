import type { ReportItem, VerificationItem } from '../../../shared/migration/report.ts';
import type { ClusterClient } from '../../kube/cluster-client.ts';
import { watchChanges } from '../../kube/changes.ts';
import type { Progress } from './progress.ts';

type Status = Record<string, number | string | undefined> & { phase?: string };
type Checked = { spec?: { replicas?: number; selector?: unknown; type?: string; clusterIP?: string }; status?: Status };

/** the collection an object is read from (and watched in) */
type Check = { collection: (ns: string) => string; check: (o: Checked) => { ok: boolean; detail: string } };

/** An apps/v1 workload is fine once `have` (a status count) reaches what it wants. */
const counted = (resource: string, want: (o: Checked) => number, have: string, word: string): Check => ({
  collection: (ns) => `/apis/apps/v1/namespaces/${ns}/${resource}`,
  check: (o) => {
    const wanted = want(o);
    const count = Number(o.status?.[have] ?? 0);
    return { ok: count >= wanted, detail: `${count}/${wanted} ${word}` };
  },
});

const checks: Record<string, Check> = {
  Deployment: counted('deployments', (o) => o.spec?.replicas ?? 1, 'availableReplicas', 'available'),
  StatefulSet: counted('statefulsets', (o) => o.spec?.replicas ?? 1, 'readyReplicas', 'ready'),
  DaemonSet: counted('daemonsets', (o) => Number(o.status?.desiredNumberScheduled ?? 0), 'numberAvailable', 'available'),
  PersistentVolumeClaim: {
    collection: (ns) => `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
    // a bound claim says nothing about the bytes on the volume: the movers' verification does (the report's volumes)
    check: (o) => ({ ok: o.status?.phase === 'Bound', detail: `${o.status?.phase ?? 'unknown'} (its contents: see Volumes)` }),
  },
};

const endpointSlices = (ns: string) => `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`;

/** A Service with a selector should have a ready endpoint once its pods run. */
async function serviceEndpoints(client: ClusterClient, ns: string, name: string): Promise<{ ok: boolean; detail: string } | undefined> {
  const service = await client.request<Checked>('GET', `/api/v1/namespaces/${ns}/services/${name}`);
  if (service.status !== 200 || !service.body.spec?.selector || service.body.spec.type === 'ExternalName') return undefined;
  const slices = await client.ok<{ items: { endpoints?: { conditions?: { ready?: boolean } }[] }[] }>('GET', `${endpointSlices(ns)}?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${name}`)}`);
  const ready = slices.items.reduce((n, s) => n + (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length, 0);
  return { ok: ready > 0, detail: `${ready} ready endpoint${ready === 1 ? '' : 's'}` };
}

/**
 * After a restore: workloads available, claims bound, Services with endpoints, read again
 * whenever their collections change (at least every 2 s) until all are fine or the timeout; what is
 * still not fine is reported as such, with its state.
 */
export async function verify(client: ClusterClient, items: ReportItem[], timeoutMs: number, progress: (p: Progress) => void): Promise<VerificationItem[]> {
  const targets = items.filter((i) => i.result !== 'failed' && i.result !== 'skipped' && i.namespace && (i.kind in checks || i.kind === 'Service'));
  const results = new Map<string, VerificationItem>();
  const deadline = Date.now() + timeoutMs;
  const collection = (item: ReportItem) => (item.kind === 'Service' ? endpointSlices(item.namespace!) : checks[item.kind].collection(item.namespace!));
  const changes = watchChanges(client, [...new Set(targets.map(collection))]);
  try {
    for (;;) {
      for (const item of targets) {
        const key = `${item.kind}/${item.namespace}/${item.name}`;
        if (results.get(key)?.ok) continue;
        let outcome: { ok: boolean; detail: string } | undefined;
        if (item.kind === 'Service') outcome = await serviceEndpoints(client, item.namespace!, item.name);
        else {
          const res = await client.request<Checked>('GET', `${collection(item)}/${item.name}`);
          outcome = res.status === 200 ? checks[item.kind].check(res.body) : { ok: false, detail: `HTTP ${res.status} reading it back` };
        }
        if (outcome) results.set(key, { kind: item.kind, namespace: item.namespace, name: item.name, ...outcome });
      }
      const pending = [...results.values()].filter((r) => !r.ok).length;
      progress({ phase: 'verifying', done: results.size - pending, total: results.size });
      if (pending === 0 || Date.now() > deadline) break;
      await changes.wait(2_000);
    }
  } finally {
    changes.close();
  }
  return [...results.values()];
}
