// The fleet's security posture: each context's RBAC, network policies, workloads and storage
// classes checked (shared/security). Pods and namespaces come from the caches the app keeps for
// its screens where they are in step with the cluster; the rest, and everything for a CLI call,
// is listed through the Kubernetes API. A collection the context may not list is a finding of its
// own, never an empty, reassuring result.
import type { ClusterEntry } from '../../../shared/contract/clusters.ts';
import type { AuditResult, SecurityService } from '../../../shared/contract/security.ts';
import { FleetdeckError, messageOf } from '../../../shared/errors.ts';
import type { KubeObject, ListedObject } from '../../../shared/kube-object.ts';
import { auditCluster } from '../../../shared/security/audit.ts';
import { auditedCollections, type ClusterObjects, type Finding } from '../../../shared/security/model.ts';
import { inParallel } from '../../base/parallel.ts';
import type { ContextConfig } from '../../kube/context-config.ts';
import { kubeOk } from '../../kube/http.ts';
import { kubeConfigFor, selectEntries } from '../../kube/kubeconfig.ts';
import type { KubeconfigStore } from '../../kube/kubeconfig-store.ts';
import { parseListPage } from '../../kube/list-watch.ts';
import { AuditHistory } from './history.ts';

type Collection = keyof typeof auditedCollections;

/** A context's collections as the app's caches hold them (those in step with the cluster), for the audit to read instead of listing them. */
export type CachedCollections = (context: string) => Promise<Partial<Record<Collection, ListedObject[]>>>;

const PAGE = 500;
/** collections listed at once per cluster */
const LISTS_AT_ONCE = 4;

/** Every item of a collection, page by page. */
async function listAll(kc: ContextConfig, collection: Collection): Promise<KubeObject[]> {
  const { path, kind } = auditedCollections[collection];
  const items: KubeObject[] = [];
  let next = '';
  do {
    const page = parseListPage(await kubeOk(kc, `${path}?limit=${PAGE}${next ? `&continue=${encodeURIComponent(next)}` : ''}`, { timeoutMs: 60_000 }), path);
    for (const item of page.items) items.push({ ...item, apiVersion: item.apiVersion ?? '', kind });
    next = page.continue;
  } while (next);
  return items;
}

interface ClusterAudit {
  findings: Finding[];
  /** the collections the context could not list */
  unread: number;
}

/** One context's audit: a collection it may not list is a finding, and the families that read it are left out. */
async function auditContext(kc: ContextConfig, context: string, cloud: ClusterObjects['cloud'], cached: Partial<Record<Collection, ListedObject[]>>): Promise<ClusterAudit> {
  const objects = { context, cloud } as ClusterObjects;
  const unread: Collection[] = [];
  const refused: Finding[] = [];
  for (const [collection, items] of Object.entries(cached) as [Collection, ListedObject[]][]) objects[collection] = items.map((item) => ({ ...item, apiVersion: '', kind: auditedCollections[collection].kind }));
  const listed = (Object.keys(auditedCollections) as Collection[]).filter((collection) => !cached[collection]);
  await inParallel(listed, LISTS_AT_ONCE, async (collection) => {
    try {
      objects[collection] = await listAll(kc, collection);
    } catch (error) {
      if (!(error instanceof FleetdeckError) || error.code !== 'forbidden') throw error;
      objects[collection] = [];
      unread.push(collection);
      const { resource, group, kind } = auditedCollections[collection];
      refused.push({ context, check: 'audit.forbidden', severity: 'error', namespace: null, kind, name: '*', message: `forbidden: list ${resource}: the checks that read them did not run on ${context}`, fix: `audit with a context that may list ${resource}${group ? `.${group}` : ''} in every namespace, or grant this one list on them` });
    }
  });
  return { findings: [...refused.sort((a, b) => a.kind.localeCompare(b.kind)), ...auditCluster(objects, unread)], unread: unread.length };
}

export class KubeSecurityService implements SecurityService {
  private readonly store: KubeconfigStore;
  private readonly history: AuditHistory;
  private readonly cached?: CachedCollections;

  /** dataDir: Fleetdeck's data folder, where each day's audit is kept */
  constructor(options: { store: KubeconfigStore; dataDir: string; cached?: CachedCollections }) {
    this.store = options.store;
    this.history = new AuditHistory(options.dataDir);
    this.cached = options.cached;
  }

  /**
   * The named contexts, each audited; without names, each cluster once, through the first of its
   * contexts that may read everything the audit reads (else the one that read the most).
   */
  async audit({ contexts }: { contexts?: string[] }): Promise<AuditResult> {
    const { config } = await this.store.load();
    const clusters = new Map<string, ClusterEntry[]>();
    for (const entry of selectEntries(config, contexts)) {
      const key = contexts?.length ? entry.context : entry.server;
      clusters.set(key, [...(clusters.get(key) ?? []), entry]);
    }
    const audited = new Map<string, Finding[]>();
    const errors: AuditResult['errors'] = [];
    await inParallel([...clusters.values()], 3, async (entries) => {
      let best: { context: string; audit: ClusterAudit } | undefined;
      for (const entry of entries) {
        try {
          const cached = (await this.cached?.(entry.context)) ?? {};
          const audit = await auditContext(kubeConfigFor(config, entry.context), entry.context, entry.cloud, cached);
          if (!best || audit.unread < best.audit.unread) best = { context: entry.context, audit };
          if (!audit.unread) break;
        } catch (error) {
          errors.push({ context: entry.context, message: messageOf(error) });
        }
      }
      if (best) audited.set(best.context, best.audit.findings);
    });
    const answered = [...audited.keys()].sort();
    const findings = answered.flatMap((context) => audited.get(context)!);
    const changes = await this.history.record(findings, answered);
    return { findings, ...(changes ? { changes } : {}), answered, errors: errors.sort((a, b) => a.context.localeCompare(b.context)) };
  }
}
