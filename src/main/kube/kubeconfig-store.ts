import { watch, type FSWatcher } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { Emitter } from '../../shared/emitter.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import type { Event } from '../../shared/rpc.ts';
import { checkImport, loadKubeconfigs, parseKubeconfig, type MergedKubeconfig } from './kubeconfig.ts';
import { Vault } from './vault.ts';

export interface LoadedKubeconfigs {
  config: MergedKubeconfig;
  displayNames: Record<string, string>;
  /** source label → vault entry id, for the entries that can be removed */
  vaultIds: Map<string, string>;
}

/** What changed in the kubeconfigs: `disk` when a file or the vault changed outside this store's own calls. */
export interface KubeconfigChange {
  reason: 'disk' | 'import' | 'remove' | 'rename';
  /** the contexts added, removed or pointed elsewhere (cluster, user, credentials); empty when only display names changed */
  contexts: string[];
}

const vaultSource = (origin: string, id: string) => `vault: ${origin} (${id.slice(0, 8)})`;

/** Everything a context connects with: its own entry, and the cluster and user it names in its scope. */
function fingerprints(config: MergedKubeconfig): Map<string, string> {
  return new Map(
    [...config.contexts].map(([name, { value, baseDir, scope, imported }]) => {
      const cluster = value.cluster ? scope.clusters.get(value.cluster) : undefined;
      const user = value.user ? scope.users.get(value.user) : undefined;
      return [name, JSON.stringify([value, baseDir, imported, cluster?.value, cluster?.baseDir, user?.value, user?.baseDir])];
    }),
  );
}

/** How long a burst of file events (an editor's write, rename and chmod) is gathered before the files are read. */
const SETTLE_MS = 100;

/**
 * The user's kubeconfig files (read live, like kubectl) merged with the kubeconfigs imported into
 * the vault; the one notifier of kubeconfig changes for every service. While anyone listens, the
 * files and the vault are watched, and a change is announced with the contexts it touched,
 * compared with what the last read returned.
 */
export class KubeconfigStore {
  private readonly paths: string[];
  private readonly vault?: Vault;
  private readonly changed = new Emitter<KubeconfigChange>();
  private listeners = 0;
  private watchers: FSWatcher[] = [];
  private settle?: ReturnType<typeof setTimeout>;
  /** the contexts and display names the last read returned (reads are numbered: a slow, older read does not overwrite a newer one) */
  private known?: { read: number; contexts: Map<string, string>; displayNames: string };
  private reads = 0;

  constructor(paths: string[], vault?: Vault) {
    this.paths = paths;
    this.vault = vault;
  }

  /** Subscribes to kubeconfig changes; the files are watched while there is a subscriber. */
  readonly onDidChange: Event<KubeconfigChange> = (listener) => {
    const unsubscribe = this.changed.event(listener);
    if (this.listeners++ === 0 && !this.disposed) this.watch();
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      unsubscribe();
      if (--this.listeners === 0) this.unwatch();
    };
  };

  /** Every source that can be read; one that cannot (a file, the vault) is listed in config.errors and hides nothing else. */
  load(): Promise<LoadedKubeconfigs> {
    return this.read('disk');
  }

  private async read(reason: KubeconfigChange['reason']): Promise<LoadedKubeconfigs> {
    const read = ++this.reads;
    const opened = this.vault ? await this.vault.open() : undefined;
    const data = opened && 'data' in opened ? opened.data : { entries: [], displayNames: {} };
    const inline = data.entries.map((e) => ({ source: vaultSource(e.origin, e.id), baseDir: homedir(), text: e.kubeconfig, imported: true }));
    const config = await loadKubeconfigs(this.paths, inline);
    if (opened && 'problem' in opened) config.errors.push(opened.problem);
    this.compare(read, reason, fingerprints(config), JSON.stringify(data.displayNames));
    return {
      config,
      displayNames: data.displayNames,
      vaultIds: new Map(data.entries.map((e) => [vaultSource(e.origin, e.id), e.id])),
    };
  }

  private compare(read: number, reason: KubeconfigChange['reason'], contexts: Map<string, string>, displayNames: string): void {
    const known = this.known;
    if (known && known.read > read) return;
    this.known = { read, contexts, displayNames };
    if (!known) return;
    const touched = [...new Set([...known.contexts.keys(), ...contexts.keys()])].filter((c) => known.contexts.get(c) !== contexts.get(c));
    if (touched.length || known.displayNames !== displayNames) this.changed.fire({ reason, contexts: touched });
  }

  /**
   * Watches the folders of the files (an editor often replaces a file rather than writing it, and
   * a file may appear later); a folder that does not exist is not watched.
   */
  private watch(): void {
    const files = [...this.paths, ...(this.vault ? [this.vault.file] : [])].map((file) => path.resolve(file));
    for (const dir of new Set(files.map((file) => path.dirname(file)))) {
      const names = new Set(files.filter((file) => path.dirname(file) === dir).map((file) => path.basename(file)));
      try {
        const watcher = watch(dir, (_event, name) => {
          if (name && !names.has(name)) return;
          clearTimeout(this.settle);
          this.settle = setTimeout(() => void this.load().catch(() => undefined), SETTLE_MS);
        });
        watcher.on('error', () => watcher.close());
        this.watchers.push(watcher);
      } catch {
        // no such folder: nothing there to read either
      }
    }
    // the state changes are compared with, unless a service read it first
    if (!this.known) void this.load().catch(() => undefined);
  }

  private disposed = false;

  /** Stops watching for good, whoever still listens (the host is shutting down). */
  dispose(): void {
    this.disposed = true;
    this.unwatch();
  }

  private unwatch(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    clearTimeout(this.settle);
    this.settle = undefined;
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
    await this.read('import');
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
    await this.read('remove');
  }

  async rename(context: string, displayName: string): Promise<void> {
    const { config } = await this.load();
    if (!config.contexts.has(context)) throw new FleetdeckError('not-found', `context "${context}" not found`);
    await this.requireVault().update((data) => {
      if (displayName.trim()) data.displayNames[context] = displayName.trim();
      else delete data.displayNames[context];
    });
    await this.read('rename');
  }
}
