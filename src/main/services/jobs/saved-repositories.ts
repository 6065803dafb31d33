import type { RepositorySummary } from '../../../shared/contract/jobs.ts';
import { FleetdeckError } from '../../../shared/errors.ts';
import type { Vault, VaultRepository } from '../../kube/vault.ts';
import { checkRepositoryEnv, displayRepository, parseRepositoryEnv, readGoogleCredentials, type RepositoryEnv } from './volumes/repository.ts';

const summary = (r: VaultRepository): RepositorySummary => ({ name: r.name, location: displayRepository(r.env.RESTIC_REPOSITORY ?? ''), variables: Object.keys(r.env).sort(), addedAt: r.addedAt });

/** The restic repositories the user saved in the app: kept in the vault, handed out only to the runs that name them. */
export class SavedRepositories {
  private readonly vault: Vault;

  constructor(vault: Vault) {
    this.vault = vault;
  }

  private async all(): Promise<VaultRepository[]> {
    const opened = await this.vault.open();
    if ('problem' in opened) throw new FleetdeckError(opened.problem.code, opened.problem.message);
    return opened.data.repositories ?? [];
  }

  async list(): Promise<RepositorySummary[]> {
    return (await this.all()).map(summary).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Checks the env text as the CLI checks --repository-env, then saves it, replacing a repository of
   * the same name. A Google credentials file it names is saved too, its content (the path may be
   * gone by the time it is used); the renderer sees only the names of the settings.
   */
  async save(name: string, envText: string): Promise<RepositorySummary> {
    const source = `the settings of repository "${name}"`;
    const saved: VaultRepository = { name, addedAt: new Date().toISOString(), env: await readGoogleCredentials(parseRepositoryEnv(envText, source), source) };
    await this.vault.update((data) => {
      data.repositories = [...(data.repositories ?? []).filter((r) => r.name !== name), saved];
    });
    return summary(saved);
  }

  async forget(name: string): Promise<void> {
    let found = false;
    await this.vault.update((data) => {
      found = !!data.repositories?.some((r) => r.name === name);
      data.repositories = data.repositories?.filter((r) => r.name !== name);
    });
    if (!found) throw new FleetdeckError('not-found', `no saved repository "${name}"`);
  }

  /** The settings a run uses. */
  async env(name: string): Promise<RepositoryEnv> {
    const saved = (await this.all()).find((r) => r.name === name);
    if (!saved) throw new FleetdeckError('not-found', `no saved repository "${name}": save it again in the migration dialog, or pass --repository-env`);
    // saved by an older Fleetdeck, which checked less
    try {
      return checkRepositoryEnv(saved.env, `the saved repository "${name}"`);
    } catch (error) {
      if (error instanceof FleetdeckError) throw new FleetdeckError(error.code, `${error.message}; save it again in the migration dialog`);
      throw error;
    }
  }
}
