import { useState } from 'react';
import type { MigrationRequest } from '../../app/ui-store.ts';
import { useClusters } from '../../data/shared-queries.ts';
import { ContextPicker } from '../../ui/ContextPicker.tsx';
import { JobDialog } from './JobDialog.tsx';
import { useJobActions, useMigrationDefaults } from './queries.ts';
import { emptyTargetOptions, TargetFields, targetOf, toLines, type TargetOptions } from './target-options.tsx';

/**
 * A namespace (or one workload and what it uses) moved to another cluster: opened by dragging it
 * onto a cluster in the fleet view, with source and target chosen, or from the jobs center, where
 * the user picks both. Storage and ingress classes default from the two clouds' profiles.
 */
export function MigrationDialog({ request, onClose }: { request: MigrationRequest; onClose(): void }) {
  const clusters = useClusters();
  const contexts = clusters.data?.clusters.filter((c) => !c.problem) ?? [];
  const [fromContext, setFromContext] = useState(request.fromContext);
  const [namespace, setNamespace] = useState(request.namespace);
  const [toContext, setToContext] = useState(request.toContext);
  const [targetNamespace, setTargetNamespace] = useState<string>();
  const [options, setOptions] = useState<Partial<TargetOptions>>({});
  const defaults = useMigrationDefaults(fromContext, fromContext ? toContext : '');
  const { migrate } = useJobActions();
  // the class mappings start from the cloud profiles until the user edits them
  const target: TargetOptions = {
    ...emptyTargetOptions,
    storageClasses: toLines(defaults.data?.storageClasses ?? {}),
    ingressClasses: toLines(defaults.data?.ingressClasses ?? {}),
    ...options,
  };
  const toNamespace = targetNamespace ?? namespace;
  const what = request.workload ? `${request.workload.kind}/${request.workload.name}` : namespace;
  const start = (dryRun: boolean) =>
    migrate.mutateAsync({
      fromContext,
      toContext,
      selection: { namespaces: [namespace], ...(request.workload ? { workloads: [request.workload] } : {}) },
      target: targetOf(target, toNamespace && toNamespace !== namespace ? { [namespace]: toNamespace } : {}, dryRun),
    });
  const note = !fromContext || !namespace || !toContext
    ? 'Choose what to move and where.'
    : defaults.data
      ? `${defaults.data.sourceCloud.toUpperCase()} → ${defaults.data.targetCloud.toUpperCase()}: storage and ingress classes default from the cloud profiles; edit them as old=new lines.`
      : 'Reading both clusters…';

  return (
    <JobDialog
      id="migrate-title"
      title={
        <>
          Migrate <span className="mono">{what || '…'}</span> from {fromContext || '…'} to {toContext || '…'}
        </>
      }
      note={note}
      planKey={JSON.stringify([fromContext, namespace, toContext, toNamespace, target])}
      canStart={!!fromContext && !!namespace && !!toContext && fromContext !== toContext}
      start={start}
      starting={migrate.isPending}
      error={migrate.error}
      runLabel="Migrate"
      onClose={onClose}
    >
      <label className="field">
        <span>Source cluster</span>
        <ContextPicker label="Source cluster" value={fromContext} contexts={contexts} onChange={setFromContext} placeholder="choose…" />
      </label>
      <label className="field">
        <span>Namespace</span>
        <input value={namespace} onChange={(e) => setNamespace(e.target.value.trim())} aria-label="Namespace to migrate" readOnly={!!request.workload} />
      </label>
      <label className="field">
        <span>Target cluster</span>
        <ContextPicker label="Target cluster" value={toContext} contexts={contexts.filter((c) => c.context !== fromContext)} onChange={setToContext} placeholder="choose…" />
      </label>
      <label className="field">
        <span>Target namespace</span>
        <input value={toNamespace} onChange={(e) => setTargetNamespace(e.target.value)} aria-label="Target namespace" />
      </label>
      <TargetFields value={target} onChange={(change) => setOptions({ ...options, ...change })} />
    </JobDialog>
  );
}
