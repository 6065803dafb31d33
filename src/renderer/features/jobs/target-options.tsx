import type { z } from 'zod';
import type { targetInput } from '../../../shared/contract/jobs.ts';

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

/** The conflict policy and the class and registry mappings, the same in the restore and migration dialogs. */
export function TargetFields({ value, onChange }: { value: TargetOptions; onChange(change: Partial<TargetOptions>): void }) {
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
      <label className="field">
        <span>Storage classes</span>
        <textarea rows={3} className="mono" aria-label="Storage class mapping" value={value.storageClasses} onChange={(e) => onChange({ storageClasses: e.target.value })} />
      </label>
      <label className="field">
        <span>Ingress classes</span>
        <textarea rows={3} className="mono" aria-label="Ingress class mapping" value={value.ingressClasses} onChange={(e) => onChange({ ingressClasses: e.target.value })} />
      </label>
      <label className="field">
        <span>Image registries</span>
        <textarea rows={2} className="mono" aria-label="Registry mapping" placeholder="acme.azurecr.io=123456789012.dkr.ecr.eu-west-1.amazonaws.com" value={value.registries} onChange={(e) => onChange({ registries: e.target.value })} />
      </label>
    </>
  );
}
