import { useState } from 'react';
import { useUi } from '../../app/ui-store.ts';
import { useClusters } from '../../data/shared-queries.ts';
import { Banner } from '../../ui/Banner.tsx';
import { ContextPicker } from '../../ui/ContextPicker.tsx';
import { JobDialog } from './JobDialog.tsx';
import { useArchives, useJobActions } from './queries.ts';
import { emptyTargetOptions, TargetFields, targetOf, toMap, type TargetOptions } from './target-options.tsx';

/**
 * An archive of Fleetdeck's backups folder restored into a cluster: planned first, then run. The
 * cloud profiles adapt storage and ingress classes from the archive's cloud to the target's; the
 * mappings here override them. An unsigned archive is planned or restored only once the user says they trust it.
 */
export function RestoreDialog({ archive: initialArchive, onClose }: { archive?: string; onClose(): void }) {
  const archives = useArchives();
  const clusters = useClusters();
  const contexts = clusters.data?.clusters.filter((c) => !c.problem) ?? [];
  const selectTask = useUi((s) => s.selectTask);
  const { restore } = useJobActions();
  const [file, setFile] = useState(initialArchive ?? '');
  const [context, setContext] = useState('');
  const [namespaces, setNamespaces] = useState('');
  const [options, setOptions] = useState<TargetOptions>(emptyTargetOptions);
  const [trusted, setTrusted] = useState(false);
  const archive = archives.data?.find((a) => a.file === file);
  const start = async (dryRun: boolean) => {
    const task = await restore.mutateAsync({ context, archive: file, ...(archive?.signed ? {} : { allowUnsigned: true }), target: targetOf(options, toMap(namespaces), dryRun) });
    selectTask(task.id);
    return task;
  };
  return (
    <JobDialog
      id="restore-title"
      title={
        <>
          Restore <span className="mono">{file || '…'}</span> to {context || '…'}
        </>
      }
      note={
        archive
          ? `${archive.total} objects from ${archive.source.context ?? 'an unknown context'} (${archive.source.cloud?.toUpperCase() ?? 'cloud unknown'}), namespaces ${archive.namespaces.join(', ') || 'none'}, written ${new Date(archive.createdAt).toLocaleString()}. Storage and ingress classes follow the target's cloud profile; the mappings below override it.`
          : 'Choose an archive from the backups folder and the cluster to restore it to.'
      }
      planKey={JSON.stringify([file, context, namespaces, options, trusted])}
      canStart={!!archive && !!context && !archive.needsPassphrase && (archive.signed || trusted)}
      start={start}
      starting={restore.isPending}
      error={restore.error}
      runLabel="Restore"
      onClose={onClose}
    >
      <label className="field">
        <span>Archive</span>
        <select aria-label="Archive to restore" value={file} onChange={(e) => (setFile(e.target.value), setTrusted(false))}>
          <option value="">{archives.data?.length === 0 ? 'no archives yet: back up first' : 'choose…'}</option>
          {archives.data?.map((a) => (
            <option key={a.file} value={a.file} disabled={a.needsPassphrase}>
              {a.file} · {a.total} objects{a.signed ? '' : ' · unsigned'}{a.needsPassphrase ? ' · passphrase (CLI)' : ''}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Target cluster</span>
        <ContextPicker label="Target cluster" value={context} contexts={contexts} onChange={setContext} placeholder="choose…" />
      </label>
      <label className="field">
        <span>Namespaces</span>
        <textarea rows={2} className="mono" aria-label="Namespace mapping" placeholder={archive?.namespaces[0] ? `${archive.namespaces[0]}=${archive.namespaces[0]}-restored` : 'old=new'} value={namespaces} onChange={(e) => setNamespaces(e.target.value)} />
      </label>
      <TargetFields value={options} onChange={(change) => setOptions({ ...options, ...change })} />
      {archive && !archive.signed && (
        <div className="unsigned-question">
          <Banner tone="warning" small>
            {archive.file} is not signed: nothing shows that Fleetdeck wrote it or that it is unchanged. Plan or restore it only if you trust where it came from.
          </Banner>
          <label className="check">
            <input type="checkbox" checked={trusted} onChange={(e) => setTrusted(e.target.checked)} /> I trust this unsigned archive
          </label>
        </div>
      )}
    </JobDialog>
  );
}
