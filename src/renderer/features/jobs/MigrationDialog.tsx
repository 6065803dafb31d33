import { useState } from 'react';
import type { MigrationRequest } from '../../app/ui-store.ts';
import { useClusters } from '../../data/shared-queries.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { ContextPicker } from '../../ui/ContextPicker.tsx';
import { defaultHistoryChoice, HistoryFields, historyOf, type HistoryChoice } from './HistoryViews.tsx';
import { JobDialog } from './JobDialog.tsx';
import { useJobActions, useMigrationClasses, useRepositories } from './queries.ts';
import { ClassRows, classOverrides, emptyTargetOptions, TargetFields, targetOf, toLines, type TargetOptions } from './target-options.tsx';
import { VolumeFields, volumeChoiceOf, volumesMissing, volumesOf, type VolumeChoice } from './VolumeFields.tsx';

/**
 * A namespace (or one workload and what it uses) moved to another cluster: opened by dragging it
 * onto a cluster in the fleet view, with source and target chosen, or from the jobs center, where
 * the user picks both. Each class the objects use gets a row: the target's best match is chosen,
 * and the user may pick another of the target's classes. The claims' data is copied by restic
 * movers through a repository saved in the vault; the plan lists each volume with its estimate.
 * The namespaces' Prometheus history may go along: the plan says how much and whether the target can take it.
 */
export function MigrationDialog({ request, onClose }: { request: MigrationRequest; onClose(): void }) {
  const clusters = useClusters();
  const contexts = clusters.data?.clusters.filter((c) => !c.problem) ?? [];
  const [fromContext, setFromContext] = useState(request.fromContext);
  const [namespace, setNamespace] = useState(request.namespace);
  const [toContext, setToContext] = useState(request.toContext);
  const [targetNamespace, setTargetNamespace] = useState<string>();
  const [options, setOptions] = useState<Partial<TargetOptions>>({});
  const ready = !!fromContext && !!namespace && !!toContext && fromContext !== toContext;
  const selection = { namespaces: [namespace], ...(request.workload ? { workloads: [request.workload] } : {}) };
  const classes = useMigrationClasses(ready ? { fromContext, toContext, selection } : undefined);
  // picks hold for the source, namespace and target they were made for
  const pickKey = JSON.stringify([fromContext, namespace, toContext]);
  const [picks, setPicks] = useState<{ key: string; picked: Record<string, string> }>({ key: pickKey, picked: {} });
  const picked = picks.key === pickKey ? picks.picked : {};
  const overrides = classOverrides(classes.data, picked);
  const { migrate } = useJobActions();
  const target: TargetOptions = { ...emptyTargetOptions, ...options, storageClasses: toLines(overrides.storageClasses), ingressClasses: toLines(overrides.ingressClasses) };
  const repositories = useRepositories();
  const [volumePicks, setVolumePicks] = useState<Partial<VolumeChoice>>({});
  const hasClaims = !!classes.data?.choices.some((c) => c.kind === 'storage-class');
  const volumeChoice = volumeChoiceOf(volumePicks, hasClaims, repositories.data ?? []);
  const volumes = volumesOf(volumeChoice);
  const missing = ready ? volumesMissing(volumeChoice) : undefined;
  const [history, setHistory] = useState<HistoryChoice>(defaultHistoryChoice);
  const metrics = historyOf(history);
  const toNamespace = targetNamespace ?? namespace;
  const what = request.workload ? `${request.workload.kind}/${request.workload.name}` : namespace;
  const start = (dryRun: boolean) =>
    migrate.mutateAsync({
      fromContext,
      toContext,
      selection,
      target: { ...targetOf(target, toNamespace && toNamespace !== namespace ? { [namespace]: toNamespace } : {}, dryRun), ...(volumes ? { volumes } : {}) },
      ...(metrics ? { metrics } : {}),
    });
  const cloudOf = (context: string) => (classes.data ? classes.data[context === fromContext ? 'sourceCloud' : 'targetCloud'] : contexts.find((c) => c.context === context)?.cloud ?? 'other').toUpperCase();
  const note = !ready
    ? 'Choose what to move and where.'
    : (missing ?? `${cloudOf(fromContext)} → ${cloudOf(toContext)}: ${
        classes.isError ? 'the classes in use could not be read; the plan chooses them from what the target has.' : "each class in use gets the target's best match; pick another of the target's classes where you want."
      }`);
  const classRows = classes.data ? (
    <ClassRows options={classes.data} picked={picked} onPick={(key, to) => setPicks({ key: pickKey, picked: { ...picked, [key]: to } })} />
  ) : (
    <div className="class-rows">{classes.isError ? <ErrorBanner error={classes.error} small /> : ready && <p className="muted small">Reading the classes in use…</p>}</div>
  );

  return (
    <JobDialog
      id="migrate-title"
      title={
        <>
          Migrate <span className="mono">{what || '…'}</span> from {fromContext || '…'} to {toContext || '…'}
        </>
      }
      note={note}
      planKey={JSON.stringify([fromContext, namespace, toContext, toNamespace, target, volumes, metrics])}
      canStart={ready && !missing}
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
      <TargetFields value={target} onChange={(change) => setOptions({ ...options, ...change })} classes={classRows} />
      <VolumeFields value={volumeChoice} onChange={(change) => setVolumePicks({ ...volumePicks, ...change })} />
      <HistoryFields value={history} onChange={(change) => setHistory({ ...history, ...change })} />
    </JobDialog>
  );
}
