import type { BrowseItem } from '../../../shared/contract/fleet.ts';
import { useUi, type BrowsePath, type MigrationRequest, type PodRef } from '../../app/ui-store.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { MIGRATION_DRAG } from './migration-drag.ts';
import { useBrowse } from './queries.ts';

/** Opens a browse item: a pod in the root-cause panel, anything else in the drill-down. */
export function open(item: BrowseItem, setBrowse: (p: BrowsePath) => void, selectPod: (p: PodRef) => void) {
  if (item.kind === 'Pod') return selectPod({ context: item.context, namespace: item.namespace!, pod: item.name });
  if (item.kind === 'Namespace') return setBrowse({ context: item.context, namespace: item.name });
  setBrowse({ context: item.context, namespace: item.namespace, workload: { kind: item.kind, name: item.name } });
}

/** A cluster's namespaces, a namespace's workloads, a workload's pods; namespaces and workloads drag onto another cluster to migrate. */
export function BrowseColumn({ path, onNavigate, onPod }: { path: BrowsePath; onNavigate(p: BrowsePath): void; onPod(p: PodRef): void }) {
  const { data, error, isPending } = useBrowse(path);
  const setMigration = useUi((s) => s.setMigration);
  return (
    <nav className="browse" aria-label="Drill down">
      <div className="crumbs">
        <button className="link" onClick={() => onNavigate({ context: path.context })}>{path.context}</button>
        {path.namespace && <> › <button className="link" onClick={() => onNavigate({ context: path.context, namespace: path.namespace })}>{path.namespace}</button></>}
        {path.workload && <> › <span>{path.workload.kind}/{path.workload.name}</span></>}
      </div>
      {isPending && <p className="muted small">Loading…</p>}
      <ErrorBanner error={error} />
      <ul>
        {data?.map((item) => (
          <li key={`${item.kind}/${item.name}`}>
            <button
              className="browse-item"
              onClick={() => open(item, onNavigate, onPod)}
              draggable={item.kind !== 'Pod'}
              title={item.kind !== 'Pod' ? 'Drag onto another cluster to migrate it' : undefined}
              onDragStart={(e) => {
                const dragged: Omit<MigrationRequest, 'toContext'> =
                  item.kind === 'Namespace' ? { fromContext: item.context, namespace: item.name } : { fromContext: item.context, namespace: item.namespace!, workload: { kind: item.kind as 'Deployment', name: item.name } };
                e.dataTransfer.setData(MIGRATION_DRAG, JSON.stringify(dragged));
                e.dataTransfer.effectAllowed = 'copy';
              }}
            >
              <span className="muted small">{item.kind}</span>
              <span className="ellipsis">{item.name}</span>
              <span className={item.problems ? 'bad small' : 'muted small'}>{item.problems ? `${item.problems} broken` : item.status}</span>
            </button>
          </li>
        ))}
      </ul>
      {path.namespace && (
        <button className="small" onClick={() => setMigration({ fromContext: path.context, toContext: '', namespace: path.namespace!, ...(path.workload ? { workload: path.workload } : {}) })}>
          Migrate {path.workload ? `${path.workload.kind}/${path.workload.name}` : path.namespace} to another cluster…
        </button>
      )}
    </nav>
  );
}
