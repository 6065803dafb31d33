import { useState } from 'react';
import type { z } from 'zod';
import type { volumesInput } from '../../../shared/contract/jobs.ts';
import { ErrorBanner } from '../../ui/Banner.tsx';
import { useRepositories, useRepositoryActions } from './queries.ts';

/** How a migration's claims get their data: left behind, or copied by restic movers with the writers stopped or running. */
export interface VolumeChoice {
  mode: 'empty' | 'copy' | 'live';
  /** a repository saved in the vault */
  repository: string;
  parallel: number;
}

/**
 * The choice as the user left it, with the defaults filled in: copy when the objects use a storage
 * class (they have claims), through the repository picked while it is saved, else the first saved
 * one, two at a time.
 */
export function volumeChoiceOf(picked: Partial<VolumeChoice>, hasClaims: boolean, saved: { name: string }[]): VolumeChoice {
  const repository = saved.some((r) => r.name === picked.repository) ? picked.repository! : (saved[0]?.name ?? '');
  return { mode: picked.mode ?? (hasClaims ? 'copy' : 'empty'), repository, parallel: picked.parallel ?? 2 };
}

/** The run's volumes input; undefined when the claims are recreated empty. */
export function volumesOf(choice: VolumeChoice): z.infer<typeof volumesInput> | undefined {
  if (choice.mode === 'empty') return undefined;
  return { mover: 'restic', repository: { saved: choice.repository }, live: choice.mode === 'live', parallel: choice.parallel };
}

/** Why a migration with this choice cannot be planned yet, if it cannot. */
export const volumesMissing = (choice: VolumeChoice) => (choice.mode !== 'empty' && !choice.repository ? 'Choose or add the restic repository the volumes are copied through (or leave the data behind).' : undefined);

/**
 * The volume data fields of the migration dialog: the mode, the restic repository (one saved in
 * the vault, or a new one added here: its settings go to main once and are never shown again),
 * and how many claims are copied at once.
 */
export function VolumeFields({ value, onChange }: { value: VolumeChoice; onChange(change: Partial<VolumeChoice>): void }) {
  const repositories = useRepositories();
  const { forget } = useRepositoryActions();
  const saved = repositories.data ?? [];
  const [adding, setAdding] = useState(false);
  const forgetChosen = () => {
    if (!window.confirm(`Forget the repository "${value.repository}"? Its settings are removed from the vault; the snapshots in the store stay.`)) return;
    forget.mutate({ name: value.repository });
  };
  const copying = value.mode !== 'empty';
  return (
    <div className="volume-fields" role="group" aria-label="How the volumes move">
      <label className="field">
        <span>Volume data</span>
        <select aria-label="Volume data" value={value.mode} onChange={(e) => onChange({ mode: e.target.value as VolumeChoice['mode'] })}>
          <option value="copy">copy with restic; each volume's writers stop while it is copied</option>
          <option value="live">copy with restic while the writers run (crash-consistent at best)</option>
          <option value="empty">leave it behind: the claims are recreated empty</option>
        </select>
      </label>
      {copying && (
        <div className="volume-row">
          <label className="field grow">
            <span>Restic repository</span>
            <select aria-label="Restic repository" value={value.repository} onChange={(e) => onChange({ repository: e.target.value })} disabled={!saved.length}>
              {!saved.length && <option value="">{repositories.isLoading ? 'reading the vault…' : 'none saved yet: add one'}</option>}
              {saved.map((r) => (
                <option key={r.name} value={r.name}>
                  {r.name} · {r.location}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Copies at once</span>
            <input type="number" min={1} max={16} aria-label="Volumes copied at once" value={value.parallel} onChange={(e) => onChange({ parallel: Math.min(16, Math.max(1, Math.round(Number(e.target.value)) || 1)) })} />
          </label>
          <button type="button" onClick={() => setAdding(!adding)} aria-expanded={adding || !saved.length}>
            Add repository…
          </button>
          {value.repository && (
            <button type="button" className="danger" onClick={forgetChosen} aria-label={`Forget repository ${value.repository}`}>
              Forget
            </button>
          )}
        </div>
      )}
      <ErrorBanner error={repositories.error ?? forget.error} small />
      {copying && (adding || (!saved.length && !repositories.isLoading)) && (
        <RepositoryForm
          onSaved={(name) => {
            onChange({ repository: name });
            setAdding(false);
          }}
        />
      )}
    </div>
  );
}

const PLACEHOLDER = 'RESTIC_REPOSITORY=s3:https://s3.eu-west-1.amazonaws.com/acme-restic\nRESTIC_PASSWORD=…\nAWS_ACCESS_KEY_ID=…\nAWS_SECRET_ACCESS_KEY=…';

/** A new repository: its env file's lines, checked and saved in the vault by main; the text is dropped once saved. */
function RepositoryForm({ onSaved }: { onSaved(name: string): void }) {
  const { save } = useRepositoryActions();
  const [name, setName] = useState('');
  const [env, setEnv] = useState('');
  const submit = () =>
    save.mutate(
      { name: name.trim(), env },
      {
        onSuccess: (summary) => {
          setEnv('');
          onSaved(summary.name);
        },
      },
    );
  return (
    <div className="repository-form" role="group" aria-label="New restic repository">
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} aria-label="Repository name" placeholder="team backups" />
      </label>
      <label className="field">
        <span>Settings, as in an env file (s3:, gs:, azure: or rest:; both clusters must reach it)</span>
        <textarea rows={4} className="mono" aria-label="Repository settings" placeholder={PLACEHOLDER} spellCheck={false} autoComplete="off" value={env} onChange={(e) => setEnv(e.target.value)} />
      </label>
      <p className="muted small">Saved encrypted in Fleetdeck's vault. Afterwards only its place and the names of its settings are shown; the values reach the clusters only in the Secrets of each run's movers.</p>
      <ErrorBanner error={save.error} small />
      <div className="task-line">
        <div className="spacer" />
        <button type="button" className="primary" disabled={!name.trim() || !env.trim() || save.isPending} onClick={submit}>
          {save.isPending ? 'Saving…' : 'Save repository'}
        </button>
      </div>
    </div>
  );
}
