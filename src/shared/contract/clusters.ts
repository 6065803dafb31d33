import { z } from 'zod';
import type { Cloud } from '../cloud.ts';
import { defineService, type Event } from '../rpc.ts';
import type { ErrorCode } from '../errors.ts';
import { maxKubeconfigImportChars } from './limits.ts';

export type AuthKind = 'client-certificate' | 'token' | 'exec' | 'auth-provider' | 'basic' | 'none';

/** What the renderer may know about a context: never credentials. */
export interface ClusterEntry {
  context: string;
  cluster: string;
  /** scheme, host and path: no user, password, query or fragment */
  server: string;
  user: string;
  namespace?: string;
  authKind: AuthKind;
  /** the exec plugin's command name and arguments with every value that may be secret masked (`***`), or the auth-provider's name */
  authDetail?: string;
  cloud: Cloud;
  /** a problem with this entry that makes connecting impossible (e.g. a missing cluster) */
  problem?: string;
  current: boolean;
  source: string;
  /** the name the user gave this context in Fleetdeck */
  displayName?: string;
  /** set when the context came from a kubeconfig imported into the vault: removing that import removes it */
  vaultId?: string;
  /** the outcome of the last connection attempt in this session, if any */
  connection?: Connection;
}

export type Connection =
  | { state: 'connected'; version: string; latencyMs: number; user?: string; checkedAt: string }
  | { state: 'failed'; reason: ErrorCode; message: string; checkedAt: string };

export interface ConnectionChange {
  context: string;
  connection: Connection;
}

export interface KubeconfigSourceError {
  source: string;
  code: ErrorCode;
  message: string;
  /** not a failure: the source is meant for another host (the desktop app's keychain vault, seen from the CLI or the web shell) */
  notice?: true;
}

export interface ClusterList {
  clusters: ClusterEntry[];
  /** files that could not be read; the contexts of the other files are still listed */
  errors: KubeconfigSourceError[];
}

export const contextInput = z.object({ context: z.string().min(1).max(253) }).strict();
export const importInput = z.object({ yaml: z.string().min(1).max(maxKubeconfigImportChars), origin: z.string().min(1).max(500) }).strict();
export const removeInput = z.object({ id: z.uuid() }).strict();
export const renameInput = z.object({ context: z.string().min(1).max(253), displayName: z.string().max(100) }).strict();

export interface ClustersService {
  list(input?: void): Promise<ClusterList>;
  connect(input: z.infer<typeof contextInput>): Promise<Connection>;
  /** stores a kubeconfig (file content or pasted YAML) in the encrypted vault; returns the contexts added */
  importKubeconfig(input: z.infer<typeof importInput>): Promise<{ contexts: string[] }>;
  removeKubeconfig(input: z.infer<typeof removeInput>): Promise<void>;
  rename(input: z.infer<typeof renameInput>): Promise<void>;
  onDidChangeConnection: Event<ConnectionChange>;
  /** contexts were imported, removed or renamed */
  onDidChangeClusters: Event<{ reason: string }>;
}

export const clustersContract = defineService<ClustersService>({
  name: 'clusters',
  methods: { list: z.void(), connect: contextInput, importKubeconfig: importInput, removeKubeconfig: removeInput, rename: renameInput },
  events: ['onDidChangeConnection', 'onDidChangeClusters'],
});
