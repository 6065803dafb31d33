import type { ReactNode } from 'react';
import type { z } from 'zod';
import { storageTiers, type StorageTier } from '../../../shared/cloud-profiles.ts';
import type { ClassOptions, targetInput } from '../../../shared/contract/jobs.ts';
import type { ClassChoice } from '../../../shared/migration/class-choice.ts';

export type Conflict = 'skip' | 'update' | 'fail';

/** How a restore or migration writes into the target, as the dialogs edit it: mappings as "old=new" lines. */
export interface TargetOptions {
  storageClasses: string;
  ingressClasses: string;
  registries: string;
  conflict: Conflict;
}

export const emptyTargetOptions: TargetOptions = { storageClasses: '', ingressClasses: '', registries: '', conflict: 'skip' };

/** "old=new" lines ⇄ a mapping. */
export const toLines = (map: Record<string, string>) => Object.entries(map).map(([from, to]) => `${from}=${to}`).join('\n');
export function toMap(lines: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const line of lines.split('\n')) {
    const [from, to] = line.split('=').map((s) => s.trim());
    if (from && to) map[from] = to;
  }
  return map;
}

export function targetOf(options: TargetOptions, namespaceMap: Record<string, string>, dryRun: boolean): z.infer<typeof targetInput> {
  return {
    namespaceMap,
    storageClassMap: toMap(options.storageClasses),
    ingressClassMap: toMap(options.ingressClasses),
    registryMap: toMap(options.registries),
    conflict: options.conflict,
    dryRun,
    verifyTimeoutSeconds: 60,
  };
}

/**
 * The conflict policy and the class and registry mappings, the same in the restore and migration
 * dialogs; `classes` (the migration's rows per class in use) replaces the class mapping lines.
 */
export function TargetFields({ value, onChange, classes }: { value: TargetOptions; onChange(change: Partial<TargetOptions>): void; classes?: ReactNode }) {
  return (
    <>
      <label className="field">
        <span>Conflicts</span>
        <select value={value.conflict} onChange={(e) => onChange({ conflict: e.target.value as Conflict })} aria-label="Conflict policy">
          <option value="skip">skip what exists</option>
          <option value="update">update (server-side apply)</option>
          <option value="fail">fail on what exists</option>
        </select>
      </label>
      {classes ?? (
        <>
          <label className="field">
            <span>Storage classes</span>
            <textarea rows={3} className="mono" aria-label="Storage class mapping" value={value.storageClasses} onChange={(e) => onChange({ storageClasses: e.target.value })} />
          </label>
          <label className="field">
            <span>Ingress classes</span>
            <textarea rows={3} className="mono" aria-label="Ingress class mapping" value={value.ingressClasses} onChange={(e) => onChange({ ingressClasses: e.target.value })} />
          </label>
        </>
      )}
      <label className="field">
        <span>Image registries</span>
        <textarea rows={2} className="mono" aria-label="Registry mapping" placeholder="acme.azurecr.io=123456789012.dkr.ecr.eu-west-1.amazonaws.com" value={value.registries} onChange={(e) => onChange({ registries: e.target.value })} />
      </label>
    </>
  );
}

/** The key of a class row: its kind and the source class. */
export const choiceKey = (c: Pick<ClassChoice, 'kind' | 'from'>) => `${c.kind} ${c.from}`;

/** The user's picks that differ from the automatic choice, as the storage and ingress class maps of a run. */
export function classOverrides(options: ClassOptions | undefined, picked: Record<string, string>): { storageClasses: Record<string, string>; ingressClasses: Record<string, string> } {
  const maps = { storageClasses: {} as Record<string, string>, ingressClasses: {} as Record<string, string> };
  for (const c of options?.choices ?? []) {
    const to = picked[choiceKey(c)];
    if (!to || to === c.to) continue;
    if (c.kind === 'storage-class') maps.storageClasses[c.from] = to;
    if (c.kind === 'ingress-class') maps.ingressClasses[c.from] = to;
  }
  return maps;
}

const slower = (from: StorageTier | undefined, to: StorageTier | undefined) => !!from && !!to && storageTiers.indexOf(to) < storageTiers.indexOf(from);
const users = (c: ClassChoice) => `${c.count} object${c.count === 1 ? '' : 's'}: ${c.users.join(', ')}${c.count > c.users.length ? '…' : ''}`;
const kindLabel = { 'storage-class': 'Storage class', 'ingress-class': 'Ingress class', 'load-balancer': 'Internal load balancer' } as const;

/**
 * One row per class the migrated objects use: what it becomes on the target, chosen among the
 * target's real classes (the automatic choice first), with a downgrade or a misfit said next to it.
 */
export function ClassRows({ options, picked, onPick }: { options: ClassOptions; picked: Record<string, string>; onPick(key: string, to: string): void }) {
  if (!options.choices.length) return <p className="class-rows muted small">The objects use no storage class, ingress class or internal load balancer.</p>;
  return (
    <div className="class-rows" role="group" aria-label="Classes on the target">
      {options.choices.map((c) => {
        const key = choiceKey(c);
        const to = picked[key] ?? c.to;
        const storage = c.kind === 'storage-class' ? options.targetStorageClasses.find((t) => t.name === to) : undefined;
        const toTier = storage?.tier ?? (to === c.to ? c.toTier : undefined);
        const downgrade = c.kind === 'storage-class' && slower(c.fromTier, toTier);
        const problem = to === c.to ? c.problem : undefined;
        const label = `${kindLabel[c.kind]} ${c.from}`;
        const choices =
          c.kind === 'storage-class'
            ? options.targetStorageClasses.map((t) => ({ name: t.name, detail: `${t.tier} ${t.family}${t.default ? ', default' : ''}` }))
            : c.kind === 'ingress-class'
              ? (options.targetIngressClasses ?? []).map((t) => ({ name: t.name, detail: `${t.role}${t.default ? ', default' : ''}` }))
              : [];
        const automatic = c.to && !choices.some((o) => o.name === c.to) ? [{ name: c.to, detail: c.reason === 'restored' ? 'brought from the source' : 'not on the target' }] : [];
        return (
          <div key={key} className="class-row" data-kind={c.kind}>
            <div className="class-from">
              <span className="muted small">{kindLabel[c.kind]}</span>
              <span className="mono ellipsis" title={c.from}>{c.from}</span>
              <span className="muted small">
                {c.fromTier ? `${c.fromTier} ${c.fromFamily} · ` : c.fromRole ? `${c.fromRole} · ` : ''}
                {users(c)}
              </span>
            </div>
            <span className="class-arrow" aria-hidden="true">→</span>
            <div className="class-to">
              {c.kind === 'load-balancer' || !c.to ? (
                <span className="mono small" aria-label={`${label} on the target`}>{c.to ?? 'nothing: the target has no storage class'}</span>
              ) : (
                <select aria-label={`${label} on the target`} value={to} onChange={(e) => onPick(key, e.target.value)}>
                  {[...automatic, ...choices].map((o) => (
                    <option key={o.name} value={o.name}>
                      {o.name} ({o.detail}){o.name === c.to ? ' · automatic' : ''}
                    </option>
                  ))}
                </select>
              )}
              <span className="muted small">{to === c.to ? c.note : 'chosen by you'}</span>
              {downgrade && <span className="class-warning small">downgrade: {c.fromTier} → {toTier}</span>}
              {problem && <span className="class-warning small">{problem}</span>}
            </div>
          </div>
        );
      })}
    </div>
  );
}
