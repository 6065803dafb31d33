import { useState } from 'react';
import { useUi } from '../../app/ui-store.ts';
import { useClusters } from '../../data/shared-queries.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { ContextPicker } from '../../ui/ContextPicker.tsx';
import { useJobActions } from './queries.ts';

/** A backup of some namespaces of a context (none named: all but kube-*) into the backups folder. */
export function BackupForm() {
  const clusters = useClusters();
  const { backup } = useJobActions();
  const selectTask = useUi((s) => s.selectTask);
  const [context, setContext] = useState('');
  const [namespaces, setNamespaces] = useState('');
  const contexts = clusters.data?.clusters.filter((c) => !c.problem) ?? [];
  const chosen = context || contexts[0]?.context || '';
  return (
    <form
      className="panel-form"
      aria-label="New backup"
      onSubmit={(e) => {
        e.preventDefault();
        backup.mutate({ context: chosen, selection: { namespaces: namespaces.split(/[\s,]+/).filter(Boolean) } }, { onSuccess: (t) => selectTask(t.id) });
      }}
    >
      <strong className="small">Back up</strong>
      <ContextPicker label="Context to back up" value={chosen} contexts={contexts} onChange={setContext} />
      <input className="filter" aria-label="Namespaces to back up" placeholder="namespaces (empty: all but kube-*)" value={namespaces} onChange={(e) => setNamespaces(e.target.value)} />
      <button className="primary" disabled={!chosen || backup.isPending}>
        Back up
      </button>
      <ErrorBanner error={backup.error} small />
    </form>
  );
}
