// The folders the renderer may use as a workspace: only those the user opened through main (the
// command line, main's folder dialog, a folder dropped on the window, the recent list main keeps,
// the sample copy, repositories main scaffolded). The renderer is untrusted: a root it names that
// is not granted is refused, so it cannot read or write vault.key, a kubeconfig or ~/.bashrc.
import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { FleetdeckError } from '../../../shared/errors.ts';
import { within, writeFileAtomic } from './workspace-files.ts';

const MAX_RECENT = 10;

export interface WorkspaceGrantsOptions {
  /** Fleetdeck's data folder: holds the recent list, and is never a workspace itself */
  dataDir: string;
  /** folders named on the command line (`--workspace DIR`, the CLI's DIR arguments) */
  commandLine: string[];
  /** how the user grants a folder in this host, for the refusal's message */
  howToOpen: string;
}

export class WorkspaceGrants {
  private readonly options: WorkspaceGrantsOptions;
  /** real paths */
  private readonly granted = new Set<string>();
  /** real paths, most recent first; a subset of granted */
  private recentRoots: string[] = [];
  private loaded?: Promise<void>;
  /** the last write of the recent list: writes run one after the other, else one replaces the other mid-write */
  private saved: Promise<void> = Promise.resolve();

  constructor(options: WorkspaceGrantsOptions) {
    this.options = options;
  }

  private get file() {
    return path.join(this.options.dataDir, 'workspaces.json');
  }

  /** The recent list (only main writes it, but it is checked again) and the command-line folders, first. */
  private load(): Promise<void> {
    this.loaded ??= (async () => {
      const saved: unknown = await readFile(this.file, 'utf8').then((text) => (JSON.parse(text) as { recent?: unknown }).recent, () => undefined);
      for (const dir of Array.isArray(saved) ? saved : []) {
        const real = typeof dir === 'string' ? await this.add(dir).catch(() => undefined) : undefined;
        if (real && !this.recentRoots.includes(real)) this.recentRoots.push(real);
      }
      const named = [];
      for (const dir of this.options.commandLine) named.push(await this.add(dir));
      this.recentRoots = [...new Set([...named, ...this.recentRoots])].slice(0, MAX_RECENT);
    })();
    return this.loaded;
  }

  /** Grants a folder the user chose through main; returns its real path. */
  async grant(dir: string): Promise<string> {
    await this.load();
    return this.add(dir);
  }

  private async add(dir: string): Promise<string> {
    const real = await realpath(dir).catch(() => undefined);
    if (!real) throw new FleetdeckError('not-found', `no such folder: ${dir}`);
    if (!(await stat(real)).isDirectory()) throw new FleetdeckError('invalid-input', `not a folder: ${dir}`);
    await this.refuseDataDir(real);
    this.granted.add(real);
    return real;
  }

  /**
   * Fleetdeck's data folder holds the vault, its key and this very list: it is never a workspace,
   * nor is a folder around it. Inside it only the sample copy and `workspaces/<name>` are.
   */
  private async refuseDataDir(real: string): Promise<void> {
    const data = await realpath(this.options.dataDir).catch(() => path.resolve(this.options.dataDir));
    const inside = path.relative(data, real).split(path.sep);
    const ownFolder = (inside.length === 1 && inside[0] === 'sample-workspace') || (inside.length === 2 && inside[0] === 'workspaces');
    if (within(real, data) || (within(data, real) && !ownFolder)) {
      throw new FleetdeckError('forbidden', `${real} holds Fleetdeck's own data (the vault and its key): open the folder that holds your manifests instead`);
    }
  }

  /** The real path of a granted root; anything else is refused. */
  async check(root: string): Promise<string> {
    await this.load();
    const real = await realpath(root).catch(() => undefined);
    if (real && this.granted.has(real)) return real;
    if (!real && this.granted.has(path.resolve(root))) throw new FleetdeckError('not-found', `no such folder: ${root}`);
    throw new FleetdeckError('forbidden', `${root} is not a folder opened in Fleetdeck: ${this.options.howToOpen}`);
  }

  /** Puts a granted root first in the recent list, which is kept in the data folder. */
  async remember(real: string): Promise<void> {
    await this.load();
    if (!this.granted.has(real)) throw new FleetdeckError('forbidden', `${real} is not a folder opened in Fleetdeck`);
    this.recentRoots = [real, ...this.recentRoots.filter((r) => r !== real)].slice(0, MAX_RECENT);
    const save = async () => {
      await mkdir(this.options.dataDir, { recursive: true });
      // Fleetdeck's own file, not a workspace's; written as it is when its turn comes, so the last write holds the latest list
      await writeFileAtomic(this.file, JSON.stringify({ recent: this.recentRoots }), undefined);
    };
    this.saved = this.saved.then(save, save);
    await this.saved;
  }

  /** Every granted folder that still exists, the most recently opened first. */
  async folders(): Promise<string[]> {
    await this.load();
    const all = [...new Set([...this.recentRoots, ...this.granted])];
    const exists = await Promise.all(all.map((dir) => stat(dir).then((s) => s.isDirectory(), () => false)));
    return all.filter((_, i) => exists[i]);
  }
}
