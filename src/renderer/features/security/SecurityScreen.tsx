import { useDeferredValue, useMemo, useState } from 'react';
import type { SourceLocation } from '../../../shared/contract/manifests.ts';
import type { AuditChanges } from '../../../shared/contract/security.ts';
import type { Finding } from '../../../shared/security/model.ts';
import { useUi } from '../../app/ui-store.ts';
import { useClusters, useOpenWorkspace } from '../../data/shared-queries.ts';
import { ErrorBanner, Banner } from '../../ui/Banner.tsx';
import { EmptyState } from '../../ui/EmptyState.tsx';
import { plural } from '../../ui/format.ts';
import { ScreenHeader } from '../../ui/ScreenHeader.tsx';
import { FindingsTable } from './FindingsTable.tsx';
import { resourceKey } from './locate-requests.ts';
import { useAudit, useSourceLocations } from './queries.ts';
import { familyOf, SecurityMatrix, type Cell } from './SecurityMatrix.tsx';


function Changes({ changes }: { changes: AuditChanges }) {
  const { appeared, resolved, since } = changes;
  return (
    <details className="audit-changes">
      <summary>
        Since {since}: <strong>{plural(appeared.length, 'new finding')}</strong>, {plural(resolved.length, 'finding')} resolved
      </summary>
      {appeared.length > 0 && (
        <>
          <h3 className="audit-changes-title">New since {since}</h3>
          <FindingsTable label={`Findings new since ${since}`} findings={appeared} />
        </>
      )}
      {resolved.length > 0 && (
        <>
          <h3 className="audit-changes-title">Resolved since {since}</h3>
          <FindingsTable label={`Findings resolved since ${since}`} findings={resolved} />
        </>
      )}
    </details>
  );
}

/** Where each cluster falls short on RBAC, network policies, workloads and encryption, with the fix for each finding. */
export function SecurityScreen() {
  const audit = useAudit();
  const [cell, setCell] = useState<Cell>();
  const [filter, setFilter] = useState('');
  const deferred = useDeferredValue(filter.trim().toLowerCase());
  const all = useMemo(() => audit.data?.findings ?? [], [audit.data]);
  const refused = all.filter((f) => f.check === 'audit.forbidden');
  const checked = all.filter((f) => f.check !== 'audit.forbidden');
  const shown = useMemo(
    () =>
      checked.filter(
        (f) => (!cell || (f.context === cell.context && familyOf(f) === cell.family)) && (!deferred || [f.check, f.namespace, f.kind, f.name, f.message, f.context].some((v) => v?.toLowerCase().includes(deferred))),
      ),
    [checked, cell, deferred],
  );
  // the workspace the Workspace screen has open: its files declare the resources of the findings
  const workspace = useOpenWorkspace(useUi((s) => s.workspacePath));
  const clusters = useClusters();
  const cloudOf = (context: string) => clusters.data?.clusters.find((c) => c.context === context)?.cloud ?? 'other';
  const located = useSourceLocations(workspace.data, checked, cloudOf);
  const sourceOf = (f: Finding) => located.get(resourceKey(f));
  const openSource = ({ path, line }: SourceLocation) => {
    const ui = useUi.getState();
    ui.setWorkspacePath(workspace.data!.root);
    ui.openWorkspaceFile(path, line);
    ui.setScreen('workspace');
  };
  const errors = checked.filter((f) => f.severity === 'error').length;
  const summary = audit.data ? `${plural(errors, 'error')}, ${plural(checked.length - errors, 'other finding')} in ${plural(audit.data.answered.length, 'cluster')}` : 'auditing every cluster…';
  return (
    <section className="screen security" aria-labelledby="security-title">
      <ScreenHeader id="security-title" title="Security" summary={summary}>
        <input className="filter" aria-label="Filter findings" placeholder="Filter by check, resource, message…" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <button onClick={() => void audit.refetch()} disabled={audit.isFetching}>
          {audit.isFetching ? 'Auditing…' : 'Audit again'}
        </button>
      </ScreenHeader>
      <ErrorBanner error={audit.error} />
      {audit.data?.errors.map((e) => <ErrorBanner key={e.context} about={e.context} error={e.message} />)}
      {refused.map((f) => (
        <Banner key={`${f.context}/${f.kind}`} tone="warning">
          {f.context}: {f.message}. {f.fix}.
        </Banner>
      ))}
      {audit.data && (
        <>
          <SecurityMatrix contexts={audit.data.answered} findings={checked} selected={cell} onSelect={setCell} />
          {audit.data.changes && <Changes changes={audit.data.changes} />}
          <h2 className="findings-title">
            {cell ? `${cell.context} · ${cell.family}` : 'Every finding'} <span className="muted small">{plural(shown.length, 'finding')}</span>
            {cell && (
              <button className="link" onClick={() => setCell(undefined)}>
                show all
              </button>
            )}
          </h2>
          <FindingsTable label="Findings" findings={shown} sourceOf={sourceOf} onOpenSource={openSource} />
        </>
      )}
      {!audit.data && !audit.error && <EmptyState>Reading RBAC, network policies, workloads and storage classes of every cluster…</EmptyState>}
    </section>
  );
}
