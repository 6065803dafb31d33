// The shape of a Kubernetes object as Fleetdeck reads it, one definition for main, shared and the
// renderer: the fields Fleetdeck looks at are typed, every other field passes through.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  managedFields?: { manager?: string; fieldsV1?: Record<string, unknown> }[];
  [key: string]: unknown;
}

/** An object with its type: what a GET answers, what an archive or a rendering holds. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** An item of a list or a watch event: the items of a list carry no apiVersion or kind. */
export interface ListedObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A document of a manifest file with apiVersion and kind: its metadata and spec are not checked yet. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata?: Partial<ObjectMeta>;
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A core/v1 Event as the root-cause panel reads it. */
export interface KubeEvent extends ListedObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  series?: { count?: number };
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; namespace?: string; name?: string };
}

/** The workload kinds the fleet view drills into, from a namespace down to their pods. */
export const workloadKinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'] as const;
export type WorkloadKind = (typeof workloadKinds)[number];
export const isWorkloadKind = (kind: string): kind is WorkloadKind => (workloadKinds as readonly string[]).includes(kind);
/** What a backup selects by workload: those, and CronJobs (which own their Jobs). */
export const backupWorkloadKinds = [...workloadKinds, 'CronJob'] as const;

/** A JSON or YAML mapping (not an array, not null). */
export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
