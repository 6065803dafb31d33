import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube-object.ts';
import { backupJob, jobName, moverSecret, repositoryCheckJob, restoreJob, RUN_LABEL } from './movers.ts';

type Container = { name: string; image: string; args?: string[]; command?: string[]; envFrom?: { secretRef: { name: string } }[]; env?: { name: string; value: string }[]; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] };
type PodSpec = { initContainers?: Container[]; containers: Container[]; volumes: { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean }; emptyDir?: object; secret?: { secretName: string; defaultMode?: number } }[] };
const pod = (job: KubeObject) => (job.spec as { backoffLimit: number; template: { spec: PodSpec } }).template.spec;
const run = { run: 'abc123', secretName: 'fleetdeck-mover-abc123' };

describe('volume movers', () => {
  it('backs a claim up read-only: its listing first, then restic over the volume and the listing, labelled with the run', () => {
    const job = backupJob({ namespace: 'shop', name: 'data' }, run);
    expect(job.metadata).toMatchObject({ name: 'fleetdeck-backup-data', namespace: 'shop', labels: { [RUN_LABEL]: 'abc123', 'fleetdeck.io/claim': 'data' } });
    const spec = pod(job);
    expect(spec.initContainers![0].command!.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(spec.initContainers![0]).toMatchObject({ name: 'listing', command: ['/bin/sh', '-c', expect.stringMatching(/^set -e; cd \/data && .*sort \/fleetdeck\/listing.part > \/fleetdeck\/listing && rm \/fleetdeck\/listing.part$/s)] });
    expect(spec.containers[0].args).toEqual(['backup', '/data', '/fleetdeck', '--json', '--host', 'fleetdeck', '--tag', 'fleetdeck:shop/data', '--tag', 'fleetdeck-run:abc123']);
    // the repository and its password come from the run's Secret only
    expect(spec.containers[0].envFrom).toEqual([{ secretRef: { name: 'fleetdeck-mover-abc123' } }]);
    expect(spec.containers[0].env?.map((e) => e.name)).toEqual(['RESTIC_PROGRESS_FPS']);
    expect(spec.containers[0].volumeMounts.find((m) => m.name === 'data')).toMatchObject({ mountPath: '/data', readOnly: true });
    expect(spec.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
      { name: 'meta', emptyDir: {} },
    ]);
  });

  it('restores the source’s listing and the volume (removing what the snapshot does not hold), then compares them', () => {
    const job = restoreJob('shop-eu', 'data', '4f2a9c1d', run);
    expect(job.metadata).toMatchObject({ name: 'fleetdeck-restore-data', namespace: 'shop-eu' });
    const spec = pod(job);
    expect(spec.initContainers!.map((c) => [c.name, c.args])).toEqual([
      ['listing', ['restore', '4f2a9c1d:/fleetdeck', '--target', '/fleetdeck']],
      ['restic', ['restore', '4f2a9c1d:/data', '--target', '/data', '--delete', '--json']],
    ]);
    expect(spec.initContainers![1].volumeMounts.find((m) => m.name === 'data')?.readOnly).toBeUndefined();
    expect(spec.containers[0].name).toBe('verify');
    expect(spec.containers[0].volumeMounts.find((m) => m.name === 'data')?.readOnly).toBe(true);
    expect(spec.containers[0].command![2]).toMatch(/^set -e; \[ -f \/fleetdeck\/listing \] \|\| \{ echo "V N"; exit 0; \}\ncd \/data/);
    expect(spec.volumes[0]).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data' } });
  });

  it('checks the repository without a retry, and keeps its settings in a labelled Secret', () => {
    const check = repositoryCheckJob('shop', run);
    expect((check.spec as { backoffLimit: number }).backoffLimit).toBe(0);
    expect(pod(check).containers[0].args).toEqual(['cat', 'config']);
    const secret = moverSecret('shop', run, { RESTIC_REPOSITORY: 's3:host/bucket', RESTIC_PASSWORD: 'pw' }) as KubeObject & { stringData: Record<string, string> };
    expect(secret.metadata).toMatchObject({ name: 'fleetdeck-mover-abc123', namespace: 'shop', labels: { [RUN_LABEL]: 'abc123' } });
    expect(secret.stringData).toEqual({ RESTIC_REPOSITORY: 's3:host/bucket', RESTIC_PASSWORD: 'pw' });
  });

  it('cuts long claim names to a DNS label that stays unique', () => {
    const long = 'x'.repeat(70);
    expect(jobName('backup', long).length).toBeLessThanOrEqual(63);
    expect(jobName('backup', long)).not.toBe(jobName('backup', `${long}y`));
    expect(jobName('backup', 'data')).toBe('fleetdeck-backup-data');
  });
});
