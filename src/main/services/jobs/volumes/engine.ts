// Moves the data of a migration's claims with restic mover Jobs: the repository checked on the
// source first (a wrong password stops the run before the target is touched), the writers
// stopped, a backup Job per claim, the writers put back; on the target the workloads wait at 0
// replicas while a restore Job per claim fills its volume and lists it, the listing is compared
// with the source's, and only then are the workloads scaled up.
import { FleetdeckError, messageOf } from '../../../../shared/errors.ts';
import type { KubeObject } from '../../../../shared/kube-object.ts';
import { backupJob, GOOGLE_CREDENTIALS, moverKeySecret, moverSecret, REPLICAS_ANNOTATION, repositoryCheckJob, repositoryInitJob, restoreJob, type Claim, type MoverRun } from '../../../../shared/migration/movers.ts';
import type { MoverItem, VolumeResult } from '../../../../shared/migration/report.ts';
import { parseResticLine, type ResticCommand, type ResticProgress } from '../../../../shared/migration/restic-progress.ts';
import { watchChanges } from '../../../kube/changes.ts';
import type { ClusterClient } from '../../../kube/cluster-client.ts';
import { classifyStatus, statusMessage } from '../../../kube/http.ts';
import type { Journal, VolumeStep } from '../journal.ts';
import type { VolumeProgress } from '../../../../shared/contract/jobs.ts';
import { inParallel } from '../../../base/parallel.ts';
import type { Progress } from '../progress.ts';
import { HELD_ANNOTATION, isHeld, stoppable, type ClaimInfo, type HeldKind, type ScalableKind } from './claims.ts';
import { readVerification } from './manifest.ts';
import { apiPodLogs, deleteEndedJob, runMoverJob, selectorQuery, type LabelSelector, type MoverOutcome, type PodLogs } from './mover-job.ts';
import { displayRepository, redactor, type RepositoryEnv } from './repository.ts';
import type { ThroughputStore } from './throughput.ts';

export interface VolumeEngineOptions {
  env: RepositoryEnv;
  /** copy while the writers run */
  live: boolean;
  /** claims copied at once */
  parallel: number;
  /** the run's id: names the Secrets and labels every object */
  run: string;
  journal?: Journal;
  throughput: ThroughputStore;
  onProgress: (progress: Progress) => void;
  signal?: AbortSignal;
  image?: string;
  /** tests: pod logs and polling without an API server's log endpoint */
  logs?: (client: ClusterClient) => PodLogs;
  pollMs?: number;
  /** how long stopped writers may take to go away */
  scaleTimeoutMs?: number;
}

/** A claim backed up: where its data is. */
export interface Backed {
  claim: ClaimInfo;
  snapshot: string;
  /** the snapshot of the source volume's listing; none when the data's snapshot holds it (a backup by an older Fleetdeck) */
  listing?: string;
  seconds: number;
  /** what restic read of the volume */
  files?: number;
  bytes?: number;
}

const apps = (kind: ScalableKind) => ({ Deployment: 'deployments', StatefulSet: 'statefulsets', ReplicaSet: 'replicasets' })[kind];
const workloadPath = (namespace: string, kind: ScalableKind, name: string) => `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${apps(kind)}/${encodeURIComponent(name)}`;
const mergePatch = { contentType: 'application/merge-patch+json' };
const heldPath = (namespace: string, kind: HeldKind, name: string) =>
  `/apis/${kind === 'DaemonSet' ? 'apps' : 'batch'}/v1/namespaces/${encodeURIComponent(namespace)}/${{ Job: 'jobs', CronJob: 'cronjobs', DaemonSet: 'daemonsets' }[kind]}/${encodeURIComponent(name)}`;
const claimKey = (c: Claim) => `${c.namespace}/${c.name}`;

/** Exit codes of restic 0.17 (restic's scripting documentation). */
const NO_REPOSITORY = 10;
const WRONG_PASSWORD = 12;
/** opening (or creating) the repository takes seconds; a check still running after this will not end */
const CHECK_TIMEOUT_MS = 300_000;

export class VolumeEngine {
  private readonly options: VolumeEngineOptions;
  private readonly redact: (text: string) => string;
  /** objects this run made, per cluster, removed when it succeeds and named in the report when not */
  private readonly made = new Map<ClusterClient, { kind: 'Job' | 'Secret'; namespace: string; name: string }[]>();
  private readonly progress = new Map<string, VolumeProgress>();
  private phase = 'volumes';

  constructor(options: VolumeEngineOptions) {
    this.options = options;
    this.redact = redactor(options.env);
  }

  private get mover(): MoverRun {
    const secretName = `fleetdeck-mover-${this.options.run}`;
    return { run: this.options.run, secretName, ...(GOOGLE_CREDENTIALS in this.options.env ? { keySecretName: `${secretName}-google` } : {}), ...(this.options.image ? { image: this.options.image } : {}) };
  }

  private logs(client: ClusterClient): PodLogs {
    return (this.options.logs ?? apiPodLogs)(client);
  }

  private note(client: ClusterClient, kind: 'Job' | 'Secret', namespace: string, name: string) {
    const list = this.made.get(client) ?? [];
    if (!list.some((o) => o.kind === kind && o.namespace === namespace && o.name === name)) list.push({ kind, namespace, name });
    this.made.set(client, list);
  }

  private cancelled() {
    if (this.options.signal?.aborted) throw new FleetdeckError('cancelled', 'cancelled');
  }

  private report(detail?: string) {
    const all = [...this.progress.values()];
    const done = all.reduce((n, p) => n + p.bytesDone, 0);
    const total = all.reduce((n, p) => n + p.bytesTotal, 0);
    this.options.onProgress({ phase: this.phase, done, ...(total ? { total } : {}), ...(detail ? { detail } : {}), volumes: all });
  }

  /**
   * A claim an earlier run of the same command restored and verified in `namespace` of the target,
   * which is still the claim that run filled (one deleted or made anew since is empty): the target
   * has its data, it is not copied again.
   */
  async verifiedEarlier(claim: ClaimInfo, target: ClusterClient, namespace: string): Promise<(Backed & { step: VolumeStep }) | undefined> {
    const step = this.journal(`restore/${claimKey(claim)}`);
    if (!step?.verified || !step.snapshot || !step.claimUid || step.targetNamespace !== namespace) return undefined;
    if ((await claimUid(target, namespace, claim.name)) !== step.claimUid) return undefined;
    return { claim, snapshot: step.snapshot, ...(step.listing ? { listing: step.listing } : {}), seconds: step.seconds ?? 0, step };
  }

  /** The replicas an earlier, interrupted run found before it stopped the workload (the workload itself may still be at 0). */
  recordedReplicas(namespace: string, kind: string, name: string): number | undefined {
    return this.journal(`replicas/${namespace}/${kind}/${name}`)?.replicas;
  }

  private journal(key: string): VolumeStep | undefined {
    const entry = this.options.journal?.get(key);
    return entry?.result === 'created' ? entry.volume : undefined;
  }

  private record(key: string, volume: VolumeStep) {
    this.options.journal?.record(key, { result: 'created', volume });
  }

  /** movers of one namespace started at once wait for the same Secret */
  private readonly secrets = new Map<ClusterClient, Map<string, Promise<void>>>();

  /** The per-run Secret in a namespace, made once: replaced when an interrupted run left one. */
  private secret(client: ClusterClient, namespace: string): Promise<void> {
    const made = this.secrets.get(client) ?? new Map<string, Promise<void>>();
    this.secrets.set(client, made);
    if (!made.has(namespace)) made.set(namespace, this.createSecret(client, namespace));
    return made.get(namespace)!;
  }

  /** The settings' Secret, and the Google credentials file's when the settings have one. */
  private async createSecret(client: ClusterClient, namespace: string): Promise<void> {
    const collection = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
    for (const secret of [moverSecret(namespace, this.mover, this.options.env), moverKeySecret(namespace, this.mover, this.options.env)]) {
      if (!secret) continue;
      let res = await client.request('POST', collection, { body: secret });
      if (res.status === 409) {
        await client.request('DELETE', `${collection}/${encodeURIComponent(secret.metadata.name)}`);
        res = await client.request('POST', collection, { body: secret });
      }
      // the API server's message may quote the object: never the Secret's values in a report
      if (res.status >= 300) throw new FleetdeckError(classifyStatus(res.status, '', '').code, `cannot create the mover Secret ${namespace}/${secret.metadata.name} on ${client.context}: HTTP ${res.status}`);
      this.note(client, 'Secret', namespace, secret.metadata.name);
    }
  }

  private async job(client: ClusterClient, job: KubeObject, follow?: { container: string; command: ResticCommand; claim: Claim; step: VolumeProgress['step'] }, timeoutMs?: number): Promise<MoverOutcome> {
    this.note(client, 'Job', job.metadata.namespace!, job.metadata.name);
    const onLine = follow
      ? (line: string) => {
          const parsed = parseResticLine(line, follow.command);
          if (parsed?.type !== 'progress') return;
          this.update(follow.claim, follow.step, parsed.progress);
        }
      : undefined;
    const run = runMoverJob(client, job, {
      logs: this.logs(client),
      ...(follow ? { follow: follow.container } : {}),
      ...(onLine ? { onLine } : {}),
      onWaiting: (detail) => this.report(detail),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
      ...(this.options.pollMs ? { pollMs: this.options.pollMs } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
    });
    const outcome = await run.catch((error: unknown) => {
      // a cancelled mover's Job is deleted: nothing is left of it to look at
      if (error instanceof FleetdeckError && error.code === 'cancelled') this.forget(client, 'Job', job.metadata.namespace!, job.metadata.name);
      throw error;
    });
    return { ...outcome, ...(outcome.reason ? { reason: this.redact(outcome.reason) } : {}), ...(outcome.logTail ? { logTail: this.redact(outcome.logTail) } : {}) };
  }

  private update(claim: Claim, step: VolumeProgress['step'], p: ResticProgress) {
    this.progress.set(claimKey(claim), { namespace: claim.namespace, claim: claim.name, step, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, filesDone: p.filesDone, filesTotal: p.filesTotal, ...(p.rate !== undefined ? { rate: p.rate } : {}), ...(p.eta !== undefined ? { eta: p.eta } : {}) });
    this.report(`${step} ${claimKey(claim)}`);
  }

  /**
   * `restic cat config` on the source before anything else: a missing repository is initialised,
   * a wrong password or an unreachable store stops the run here, before the target is touched.
   */
  async checkRepository(source: ClusterClient, namespace: string): Promise<void> {
    this.phase = 'volumes: checking the repository';
    this.report(displayRepository(this.options.env.RESTIC_REPOSITORY));
    await this.secret(source, namespace);
    const where = `the restic repository ${displayRepository(this.options.env.RESTIC_REPOSITORY)}`;
    let outcome = await this.job(source, repositoryCheckJob(namespace, this.mover), undefined, CHECK_TIMEOUT_MS);
    if (!outcome.ok && outcome.exitCode === NO_REPOSITORY) outcome = await this.job(source, repositoryInitJob(namespace, this.mover), undefined, CHECK_TIMEOUT_MS);
    if (!outcome.ok) {
      if (outcome.exitCode === WRONG_PASSWORD) throw new FleetdeckError('unauthorized', `${where} refused the password (its RESTIC_PASSWORD); nothing was written on the target`);
      throw new FleetdeckError('unreachable', `${where} could not be opened from ${source.context} (${outcome.reason ?? 'failed'})${outcome.logTail ? `: ${outcome.logTail.split('\n').slice(-3).join(' / ')}` : ''}; nothing was written on the target`);
    }
    for (const job of [repositoryCheckJob(namespace, this.mover), repositoryInitJob(namespace, this.mover)]) {
      await deleteEndedJob(source, namespace, job.metadata.name);
      this.forget(source, 'Job', namespace, job.metadata.name);
    }
  }

  /**
   * Scales a workload, and waits until its pods are gone when stopping it: its pods themselves,
   * since a Deployment's status leaves out pods still terminating (and still writing).
   */
  private async scale(client: ClusterClient, namespace: string, kind: ScalableKind, name: string, replicas: number, annotation?: null): Promise<void> {
    const patch = { spec: { replicas }, ...(annotation === null ? { metadata: { annotations: { [REPLICAS_ANNOTATION]: null } } } : {}) };
    const res = await client.request<{ spec?: { selector?: LabelSelector } }>('PATCH', workloadPath(namespace, kind, name), { body: patch, ...mergePatch });
    if (res.status >= 300) throw classifyStatus(res.status, res.text, `scale ${kind} ${namespace}/${name} to ${replicas} on ${client.context}`);
    if (replicas > 0) return;
    const deadline = Date.now() + (this.options.scaleTimeoutMs ?? 300_000);
    const selector = res.body.spec?.selector;
    const pods = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?${new URLSearchParams(selector ? { labelSelector: selectorQuery(selector) } : {})}`;
    const changes = watchChanges(client, [pods]);
    try {
      for (;;) {
        const current = await client.ok<{ status?: { replicas?: number } }>('GET', workloadPath(namespace, kind, name));
        let left = current.status?.replicas ?? 0;
        if (!left && selector) {
          // an evicted pod (Failed) stays listed until collected, and runs nothing
          const items = (await client.ok<{ items: { status?: { phase?: string } }[] }>('GET', pods)).items;
          left = items.filter((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded').length;
        }
        if (!left) return;
        if (Date.now() > deadline) throw new FleetdeckError('timeout', `${kind} ${namespace}/${name} on ${client.context} still has ${left} pods ${(this.options.scaleTimeoutMs ?? 300_000) / 1000} s after it was scaled to 0`);
        this.cancelled();
        await changes.wait(this.options.pollMs ?? 1_000);
      }
    } finally {
      changes.close();
    }
  }

  /**
   * Stops the writers of the claims (their replicas recorded first; a resumed run keeps the count
   * the first run recorded, not the 0 it left), runs work, and puts every writer back, whatever
   * happened: one that cannot be put back does not keep the others at 0, and is named in the
   * error. Live: nothing is stopped.
   */
  async withWritersStopped<T>(source: ClusterClient, claims: ClaimInfo[], work: () => Promise<T>): Promise<T> {
    if (this.options.live) return work();
    const writers = new Map<string, { namespace: string; kind: ScalableKind; name: string }>();
    for (const claim of claims) for (const w of stoppable(claim)) writers.set(`${claim.namespace}/${w.kind}/${w.name}`, { namespace: claim.namespace, kind: w.kind as ScalableKind, name: w.name });
    const stopped: { namespace: string; kind: ScalableKind; name: string; replicas: number }[] = [];
    let outcome: { value: T } | { error: unknown };
    try {
      this.phase = 'volumes: stopping writers';
      for (const [key, w] of writers) {
        this.cancelled();
        const recorded = this.journal(`replicas/${key}`)?.replicas;
        const live = await replicasOf(source, w);
        const replicas = recorded ?? live;
        if (recorded === undefined) this.record(`replicas/${key}`, { replicas });
        stopped.push({ ...w, replicas });
        this.report(`${w.kind} ${w.namespace}/${w.name}: ${replicas} → 0`);
        if (live > 0) await this.scale(source, w.namespace, w.kind, w.name, 0);
      }
      outcome = { value: await work() };
    } catch (error) {
      outcome = { error };
    }
    this.phase = 'volumes: starting writers again';
    const notBack: string[] = [];
    let code: FleetdeckError['code'] = 'internal';
    for (const w of stopped) {
      this.report(`${w.kind} ${w.namespace}/${w.name}: → ${w.replicas}`);
      try {
        await this.scale(source, w.namespace, w.kind, w.name, w.replicas);
        // back at its count: a later run records the count it finds then (the user may scale it meanwhile)
        this.record(`replicas/${w.namespace}/${w.kind}/${w.name}`, {});
      } catch (error) {
        if (error instanceof FleetdeckError) code = error.code;
        notBack.push(`${w.kind} ${w.namespace}/${w.name} (wants ${w.replicas} replicas): ${messageOf(error)}`);
      }
    }
    const note = notBack.length ? `not put back on ${source.context}: ${notBack.join('; ')}` : undefined;
    if ('error' in outcome) {
      const { error } = outcome;
      throw note ? new FleetdeckError(error instanceof FleetdeckError ? error.code : 'internal', `${messageOf(error)}; ${note}`) : error;
    }
    if (note) throw new FleetdeckError(code, `the volumes were copied, but the source's writers were ${note}`);
    return outcome.value;
  }

  /**
   * A backup Job per claim, at most `parallel` at once. A re-run backs a claim up again even when
   * an earlier run did: its writers ran again since (restic sends only what changed).
   */
  async backup(source: ClusterClient, claims: ClaimInfo[]): Promise<{ backed: Backed[]; failed: VolumeResult[] }> {
    const backed: Backed[] = [];
    const failed: VolumeResult[] = [];
    this.phase = 'volumes: backing up';
    await inParallel(claims, this.options.parallel, async (claim) => {
      this.cancelled();
      await this.secret(source, claim.namespace);
      const started = Date.now();
      const job = backupJob(claim, this.mover);
      const outcome = await this.job(source, job, { container: 'restic', command: 'backup', claim, step: 'backup' });
      const seconds = (Date.now() - started) / 1000;
      const summary = outcome.ok ? await this.summary(source, job, outcome, 'restic', 'backup') : undefined;
      const listing = outcome.ok ? await this.summary(source, job, outcome, 'listing', 'backup') : undefined;
      if (summary) this.update(claim, 'backup', summary);
      if (!outcome.ok || !summary?.snapshotId || !listing?.snapshotId) {
        const what = !summary?.snapshotId ? 'no snapshot id' : 'no snapshot id for the listing (container listing)';
        failed.push(this.failedResult(claim, claim.namespace, seconds, outcome.ok ? `backup Job ${claim.namespace}/${job.metadata.name} printed ${what}` : `backup Job ${claim.namespace}/${job.metadata.name} failed: ${outcome.reason}`, outcome.logTail));
        return;
      }
      this.options.throughput.record('backup', summary.bytesTotal, seconds);
      backed.push({ claim, snapshot: summary.snapshotId, listing: listing.snapshotId, seconds, files: summary.filesTotal, bytes: summary.bytesTotal });
      await deleteEndedJob(source, claim.namespace, job.metadata.name);
      this.forget(source, 'Job', claim.namespace, job.metadata.name);
    });
    return { backed, failed };
  }

  /** The restic summary of a finished mover's container, from its whole log (the followed stream may have started late). */
  private async summary(client: ClusterClient, job: KubeObject, outcome: MoverOutcome, container: string, command: ResticCommand): Promise<ResticProgress | undefined> {
    if (!outcome.pod) return undefined;
    const log = await this.logs(client).read(job.metadata.namespace!, outcome.pod, container);
    let last: ResticProgress | undefined;
    for (const line of log.split('\n')) {
      const parsed = parseResticLine(line, command);
      if (parsed?.type === 'progress' && parsed.progress.done) last = parsed.progress;
    }
    return last;
  }

  private forget(client: ClusterClient, kind: 'Job' | 'Secret', namespace: string, name: string) {
    this.made.set(client, (this.made.get(client) ?? []).filter((o) => !(o.kind === kind && o.namespace === namespace && o.name === name)));
  }

  private failedResult(claim: ClaimInfo, targetNamespace: string, seconds: number, reason: string, logTail?: string): VolumeResult {
    return { namespace: claim.namespace, claim: claim.name, targetNamespace, bytes: 0, files: 0, seconds: Math.round(seconds), state: 'failed', verified: false, mismatches: 0, reason: this.redact(reason), ...(logTail ? { logTail } : {}), ...(this.options.live ? { crashConsistent: true as const } : {}) };
  }

  /**
   * A restore Job per backed-up claim in its target namespace: restic fills the claim, then the
   * Job's verify container compares the volume with the source's listing (restored from the
   * snapshot) and prints what differs. A claim an earlier run verified is not restored again.
   */
  async restore(target: ClusterClient, backed: Backed[], targetNamespace: (namespace: string) => string): Promise<VolumeResult[]> {
    const results: VolumeResult[] = [];
    this.phase = 'volumes: restoring';
    await inParallel(backed, this.options.parallel, async ({ claim, snapshot, listing, seconds: backupSeconds }) => {
      this.cancelled();
      const namespace = targetNamespace(claim.namespace);
      const key = `restore/${claimKey(claim)}`;
      const base = { namespace: claim.namespace, claim: claim.name, targetNamespace: namespace, snapshot, ...(this.options.live ? { crashConsistent: true as const } : {}) };
      // restored and verified by an earlier run into the claim still there: one that did not match is restored again
      const earlier = (await this.verifiedEarlier(claim, target, namespace))?.step;
      if (earlier) {
        return void results.push({ ...base, bytes: earlier.bytes ?? 0, files: earlier.files ?? 0, seconds: Math.round(earlier.seconds ?? 0), state: 'restored', verified: true, mismatches: 0, resumed: true });
      }
      await this.secret(target, namespace);
      const started = Date.now();
      const job = restoreJob(namespace, claim.name, { snapshot, ...(listing ? { listing } : {}) }, this.mover);
      const outcome = await this.job(target, job, { container: 'restic', command: 'restore', claim, step: 'restore' });
      const seconds = backupSeconds + (Date.now() - started) / 1000;
      if (!outcome.ok || !outcome.pod) return void results.push(this.failedResult(claim, namespace, seconds, `restore Job ${namespace}/${job.metadata.name} failed: ${outcome.reason ?? 'no pod'}`, outcome.logTail));
      const comparison = readVerification(await this.logs(target).read(namespace, outcome.pod, 'verify'));
      if ('problem' in comparison) {
        const noListing = listing ? `the listing's snapshot ${listing} holds no listing of the source volume to verify against` : `the snapshot ${snapshot} holds no listing of the source volume to verify against (taken by an older Fleetdeck: back it up again)`;
        const why = comparison.problem === 'no-listing' ? noListing : `the verification in the log of ${namespace}/${outcome.pod} (container verify) is cut short`;
        return void results.push(this.failedResult(claim, namespace, seconds, why));
      }
      const verified = comparison.mismatches === 0;
      this.update(claim, 'restore', { bytesDone: comparison.bytes, bytesTotal: comparison.bytes, filesDone: comparison.files, filesTotal: comparison.files, eta: 0, done: true });
      this.options.throughput.record('restore', comparison.bytes, (Date.now() - started) / 1000);
      const uid = await claimUid(target, namespace, claim.name);
      this.record(key, { snapshot, ...(listing ? { listing } : {}), targetNamespace: namespace, ...(uid ? { claimUid: uid } : {}), files: comparison.files, bytes: comparison.bytes, seconds, verified, mismatches: comparison.mismatches });
      results.push({ ...base, bytes: comparison.bytes, files: comparison.files, seconds: Math.round(seconds), state: 'restored', verified, mismatches: comparison.mismatches, ...(comparison.named.length ? { mismatched: comparison.named } : {}) });
      // a restore that does not match its source stays for a look, with its listings in the log
      if (!verified) return;
      await deleteEndedJob(target, namespace, job.metadata.name);
      this.forget(target, 'Job', namespace, job.metadata.name);
    });
    return results;
  }

  /**
   * The target's workloads that waited at 0 replicas: scaled to the count their annotation kept,
   * and those held otherwise (Jobs, CronJobs, DaemonSets) let go, once every claim they mount is
   * restored (and matches, unless copied live).
   */
  async startWorkloads(target: ClusterClient, claims: ClaimInfo[], results: VolumeResult[], targetNamespace: (namespace: string) => string): Promise<void> {
    this.phase = 'volumes: starting workloads';
    const good = new Set(results.filter((r) => r.state === 'restored' && (r.verified || this.options.live)).map((r) => `${r.namespace}/${r.claim}`));
    const held = new Map<string, { namespace: string; kind: ScalableKind; name: string; ready: boolean }>();
    for (const claim of claims) {
      for (const w of stoppable(claim)) {
        const key = `${claim.namespace}/${w.kind}/${w.name}`;
        const ready = (held.get(key)?.ready ?? true) && good.has(claimKey(claim));
        held.set(key, { namespace: targetNamespace(claim.namespace), kind: w.kind as ScalableKind, name: w.name, ready });
      }
    }
    const holding = new Map<string, { namespace: string; kind: HeldKind; name: string; ready: boolean }>();
    for (const claim of claims) {
      for (const w of claim.workloads.filter((w) => isHeld(w.kind))) {
        const key = `${claim.namespace}/${w.kind}/${w.name}`;
        const ready = (holding.get(key)?.ready ?? true) && good.has(claimKey(claim));
        holding.set(key, { namespace: targetNamespace(claim.namespace), kind: w.kind as HeldKind, name: w.name, ready });
      }
    }
    for (const w of holding.values()) {
      if (!w.ready) continue;
      const path = heldPath(w.namespace, w.kind, w.name);
      const res = await target.request<KubeObject>('GET', path);
      const how = res.status === 200 ? res.body.metadata.annotations?.[HELD_ANNOTATION] : undefined;
      if (how === undefined) continue;
      const release = { metadata: { annotations: { [HELD_ANNOTATION]: null } }, spec: how === 'nodeSelector' ? { template: { spec: { nodeSelector: { [HELD_ANNOTATION]: null } } } } : { suspend: false } };
      this.report(`${w.kind} ${w.namespace}/${w.name}: released`);
      const patched = await target.request('PATCH', path, { body: release, ...mergePatch });
      if (patched.status >= 300) throw classifyStatus(patched.status, patched.text, `release ${w.kind} ${w.namespace}/${w.name} on ${target.context}`);
    }
    // the report says, per claim, that the workloads mounting one not restored intact stay at 0
    for (const w of held.values()) {
      if (!w.ready) continue;
      const res = await target.request<KubeObject>('GET', workloadPath(w.namespace, w.kind, w.name));
      const wanted = res.status === 200 ? res.body.metadata.annotations?.[REPLICAS_ANNOTATION] : undefined;
      if (wanted === undefined) continue;
      this.report(`${w.kind} ${w.namespace}/${w.name}: → ${wanted}`);
      await this.scale(target, w.namespace, w.kind, w.name, Number(wanted), null);
    }
  }

  /**
   * Removes what this run made when it succeeded; otherwise names the Jobs, for a look. The
   * repository's Secrets are always removed: left behind they hand the repository to whoever reads
   * the namespace (a re-run makes them again).
   */
  async finish(success: boolean): Promise<string[]> {
    const left: string[] = [];
    for (const [client, objects] of this.made) {
      for (const o of objects) {
        if (success || o.kind === 'Secret') {
          const path = o.kind === 'Job' ? undefined : `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/secrets/${encodeURIComponent(o.name)}`;
          try {
            if (path) {
              const res = await client.request('DELETE', path);
              if (res.status >= 300 && res.status !== 404) throw new Error(statusMessage(res.text) || `HTTP ${res.status}`);
            } else await deleteEndedJob(client, o.namespace, o.name);
            continue;
          } catch (error) {
            left.push(`${client.context}: ${o.kind} ${o.namespace}/${o.name} (could not be removed: ${(error as Error).message})`);
            continue;
          }
        }
        left.push(`${client.context}: ${o.kind} ${o.namespace}/${o.name}`);
      }
    }
    this.made.clear();
    this.secrets.clear();
    return left;
  }

  /** Dry run: the mover Jobs checked by a server-side dry-run create where they would run; none is started. Without a source (a restore from an archive) only the restores. */
  async validate(source: ClusterClient | undefined, target: ClusterClient, claims: ClaimInfo[], targetNamespace: (namespace: string) => string): Promise<MoverItem[]> {
    const items: MoverItem[] = [];
    const check = async (client: ClusterClient, role: MoverItem['role'], job: KubeObject, claim: string) => {
      const base = { role, namespace: job.metadata.namespace!, name: job.metadata.name, claim, manifest: job };
      const res = await client.request('POST', `/apis/batch/v1/namespaces/${encodeURIComponent(job.metadata.namespace!)}/jobs?dryRun=All`, { body: job });
      // the namespace is created by the real run: the Job is checked in default instead
      const checked = res.status === 404 ? await client.request('POST', `/apis/batch/v1/namespaces/default/jobs?dryRun=All`, { body: { ...job, metadata: { ...job.metadata, namespace: 'default' } } }) : res;
      const validated = checked.status < 300;
      items.push({ ...base, cluster: client.context, validated, reason: validated ? 'valid (server-side dry run)' : statusMessage(checked.text) || `HTTP ${checked.status}` });
    };
    for (const claim of claims) {
      if (source) await check(source, 'backup', backupJob(claim, this.mover), claim.name);
      await check(target, 'restore', restoreJob(targetNamespace(claim.namespace), claim.name, { snapshot: '<snapshot>', listing: '<listing>' }, this.mover), claim.name);
    }
    return items;
  }
}

/** The uid of a claim, undefined when there is none of that name. */
async function claimUid(client: ClusterClient, namespace: string, name: string): Promise<string | undefined> {
  const res = await client.request<KubeObject>('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims/${encodeURIComponent(name)}`);
  if (res.status === 404) return undefined;
  if (res.status >= 300) throw classifyStatus(res.status, res.text, `read the claim ${namespace}/${name} on ${client.context}`);
  return res.body.metadata.uid;
}

/** A workload's replicas as its spec has them now. */
async function replicasOf(source: ClusterClient, w: { namespace: string; kind: ScalableKind; name: string }): Promise<number> {
  const current = await source.ok<{ spec?: { replicas?: number } }>('GET', workloadPath(w.namespace, w.kind, w.name));
  return current.spec?.replicas ?? 1;
}
