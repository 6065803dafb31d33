import { expect, it } from 'vitest';
import type { KubeObject } from '../../../../shared/kube-object.ts';
import { claimsOf, planVolumes } from './claims.ts';

const o = (kind: string, name: string, spec: Record<string, unknown> = {}, namespace = 'shop'): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, namespace }, spec });
const pod = (...claims: string[]) => ({ template: { spec: { volumes: claims.map((claimName) => ({ persistentVolumeClaim: { claimName } })) } } });

it('finds who writes to each claim: pod volumes, claim templates by their ordinal names, cron jobs; not a set whose name only starts the same', () => {
  const claims = claimsOf([
    o('PersistentVolumeClaim', 'data-db-0', { accessModes: ['ReadWriteOnce'], storageClassName: 'managed-csi', resources: { requests: { storage: '5Gi' } } }),
    o('PersistentVolumeClaim', 'data-db-backup-0'),
    o('PersistentVolumeClaim', 'uploads', { accessModes: ['ReadWriteMany'] }),
    o('PersistentVolumeClaim', 'uploads', {}, 'other'),
    o('StatefulSet', 'db', { replicas: 2, volumeClaimTemplates: [{ metadata: { name: 'data' } }] }),
    o('StatefulSet', 'db-backup', { volumeClaimTemplates: [{ metadata: { name: 'data' } }] }),
    o('Deployment', 'web', { replicas: 4, ...pod('uploads') }),
    o('DaemonSet', 'scanner', pod('uploads')),
    o('CronJob', 'prune', { jobTemplate: { spec: pod('uploads') } }),
  ]);
  expect(claims.map((c) => [`${c.namespace}/${c.name}`, c.workloads.map((w) => `${w.kind}/${w.name}:${w.replicas}`)])).toEqual([
    ['shop/data-db-0', ['StatefulSet/db:2']],
    ['shop/data-db-backup-0', ['StatefulSet/db-backup:1']],
    ['shop/uploads', ['Deployment/web:4', 'DaemonSet/scanner:1', 'CronJob/prune:1']],
    ['other/uploads', []],
  ]);
  expect(claims[0]).toMatchObject({ requested: '5Gi', accessModes: ['ReadWriteOnce'], storageClass: 'managed-csi' });

  const plan = planVolumes(claims, { targetNamespace: (ns) => `${ns}-eu`, targetStorageClass: (c) => (c ? 'gp3' : undefined), usedBytes: undefined, throughput: {}, mover: 'restic', live: false });
  expect(plan[2]).toMatchObject({ targetNamespace: 'shop-eu', usedBytes: 'unknown', estimatedSeconds: 'unknown', downtimeSeconds: 'unknown', notes: ['DaemonSet/scanner cannot be scaled down: it keeps writing during the copy', 'CronJob/prune cannot be scaled down: it keeps writing during the copy'] });
  expect(plan[3]).toMatchObject({ downtimeSeconds: 0, workloads: [] });
  const live = planVolumes(claims, { targetNamespace: (ns) => ns, targetStorageClass: () => undefined, usedBytes: new Map([['shop/data-db-0', 1000]]), throughput: { backup: 100, restore: 500 }, mover: 'restic', live: true });
  expect(live[0]).toMatchObject({ usedBytes: 1000, estimatedSeconds: 12, downtimeSeconds: 0, live: true });
});
