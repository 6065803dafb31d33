import { homedir } from 'node:os';
import { Emitter } from '../../shared/emitter.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { checkImport, loadKubeconfigs, parseKubeconfig, type MergedKubeconfig } from './kubeconfig.ts';
import { Vault } from './vault.ts';

export interface LoadedKubeconfigs {
  config: MergedKubeconfig;
  displayNames: Record<string, string>;
  /** source label → vault entry id, for the entries that can be removed */
  vaultIds: Map<string, string>;
}

const vaultSource = (origin: string, id: string) => `vault: ${origin} (${id.slice(0, 8)})`;

/** The user's kubeconfig files (read live, like kubectl) merged with the kubeconfigs imported into the vault. */
export class KubeconfigStore {
  private readonly paths: string[];
  private readonly vault?: Vault;
  private readonly changed = new Emitter<{ reason: string }>();
  readonly onDidChange = this.changed.event;

  constructor(paths: string[], vault?: Vault) {
    this.paths = paths;
    this.vault = vault;
  }

  /** Every source that can be read; one that cannot (a file, the vault) is listed in config.errors and hides nothing else. */
  async load(): Promise<LoadedKubeconfigs> {
    const opened = this.vault ? await this.vault.open() : undefined;
    const data = opened && 'data' in opened ? opened.data : { entries: [], displayNames: {} };
    const inline = data.entries.map((e) => ({ source: vaultSource(e.origin, e.id), baseDir: homedir(), text: e.kubeconfig, imported: true }));
    const config = await loadKubeconfigs(this.paths, inline);
    if (opened && 'problem' in opened) config.errors.push(opened.problem);
    return {
      config,
      displayNames: data.displayNames,
      vaultIds: new Map(data.entries.map((e) => [vaultSource(e.origin, e.id), e.id])),
    };
  }

  private requireVault(): Vault {
    if (!this.vault) throw new FleetdeckError('invalid-input', 'this Fleetdeck has no vault to import into');
    return this.vault;
  }

  /** Stores a kubeconfig (a picked or dropped file, or pasted YAML) encrypted; returns the contexts it adds. */
  async import(yaml: string, origin: string): Promise<string[]> {
    const vault = this.requireVault();
    const parsed = parseKubeconfig(yaml, origin);
    const contexts = (parsed.contexts ?? []).map((c) => c.name);
    if (!contexts.length) throw new FleetdeckError('kubeconfig-invalid', `${origin}: no contexts in this kubeconfig`);
    checkImport(parsed, origin);
    const { config } = await this.load();
    const taken = contexts.filter((c) => config.contexts.has(c));
    if (taken.length) {
      throw new FleetdeckError('invalid-input', `${origin}: context ${taken.map((c) => `"${c}"`).join(', ')} already exists (from ${config.contexts.get(taken[0])!.source}); remove it first or rename it in the file`);
    }
    await vault.update((data) => data.entries.push(Vault.entry(yaml, origin)));
    this.changed.fire({ reason: 'import' });
    return contexts;
  }

  async remove(id: string): Promise<void> {
    let found = false;
    await this.requireVault().update((data) => {
      const before = data.entries.length;
      data.entries = data.entries.filter((e) => e.id !== id);
      found = data.entries.length < before;
    });
    if (!found) throw new FleetdeckError('not-found', `no imported kubeconfig with id ${id}`);
    this.changed.fire({ reason: 'remove' });
  }

  async rename(context: string, displayName: string): Promise<void> {
    const { config } = await this.load();
    if (!config.contexts.has(context)) throw new FleetdeckError('not-found', `context "${context}" not found`);
    await this.requireVault().update((data) => {
      if (displayName.trim()) data.displayNames[context] = displayName.trim();
      else delete data.displayNames[context];
    });
    this.changed.fire({ reason: 'rename' });
  }
}
