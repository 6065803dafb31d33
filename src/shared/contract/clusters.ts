import { z } from 'zod';
import type { Cloud } from '../cloud.ts';
import { defineService, type Event } from '../rpc.ts';
import type { ErrorCode } from '../errors.ts';

export type AuthKind = 'client-certificate' | 'token' | 'exec' | 'auth-provider' | 'basic' | 'none';

/** What the renderer may know about a context: never credentials. */
export interface ClusterEntry {
  context: string;
  cluster: string;
  server: string;
  user: string;
  namespace?: string;
  authKind: AuthKind;
  /** the exec plugin's command, or the auth-provider's name */
  authDetail?: string;
  cloud: Cloud;
  /** a problem with this entry that makes connecting impossible (e.g. a missing cluster) */
  problem?: string;
  current: boolean;
  source: string;
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
}

export interface ClusterList {
  clusters: ClusterEntry[];
  /** files that could not be read; the contexts of the other files are still listed */
  errors: KubeconfigSourceError[];
}

export const contextInput = z.object({ context: z.string().min(1).max(253) }).strict();

export interface ClustersService {
  list(input?: void): Promise<ClusterList>;
  connect(input: z.infer<typeof contextInput>): Promise<Connection>;
  onDidChangeConnection: Event<ConnectionChange>;
}

export const clustersContract = defineService<ClustersService>({
  name: 'clusters',
  methods: { list: z.void(), connect: contextInput },
  events: ['onDidChangeConnection'],
});
