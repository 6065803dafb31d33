import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { clusters, kubeconfigPath, urls, type LabCluster } from './config.ts';
import { pem } from './pki.ts';

const b64 = (name: string) => pem(name).toString('base64');

/** The viewer's bearer token, kept in the API server's static token file. */
export function viewerToken(cluster: LabCluster): string {
  const file = path.join(cluster.dir, 'tokens.csv');
  if (!existsSync(file)) {
    mkdirSync(cluster.dir, { recursive: true });
    writeFileSync(file, `${randomBytes(24).toString('base64url')},fleetdeck-lab-viewer,fleetdeck-lab-viewer,"fleetdeck-lab-viewers"\n`, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').split(',')[0];
}

function config(entries: LabCluster[], withViewers: boolean) {
  const monitoring = (c: LabCluster) => ({ name: 'fleetdeck.io/monitoring', extension: { prometheus: urls(c).prometheus, alertmanager: urls(c).alertmanager } });
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': entries[0].context,
    clusters: entries.map((c) => ({
      name: c.context,
      cluster: {
        server: urls(c).apiserver,
        'certificate-authority-data': b64('ca.crt'),
        // the lab's API servers listen on loopback, so the cloud is declared rather than read from the host name
        extensions: [{ name: 'fleetdeck.io/cloud', extension: { cloud: c.cloud } }],
      },
    })),
    users: [
      { name: 'fleetdeck-lab-admin', user: { 'client-certificate-data': b64('admin.crt'), 'client-key-data': b64('admin.key') } },
      ...(withViewers ? entries.map((c) => ({ name: `${c.context}-viewer`, user: { token: viewerToken(c) } })) : []),
    ],
    contexts: entries.flatMap((c) => [
      { name: c.context, context: { cluster: c.context, user: 'fleetdeck-lab-admin', extensions: [monitoring(c)] } },
      ...(withViewers ? [{ name: `${c.context}-viewer`, context: { cluster: c.context, user: `${c.context}-viewer`, extensions: [monitoring(c)] } }] : []),
    ]),
  };
}

/** lab/.state/kubeconfig with every context, and one admin kubeconfig per cluster for its components. */
export function writeKubeconfigs(): void {
  writeFileSync(kubeconfigPath, stringify(config(clusters, true)), { mode: 0o600 });
  for (const c of clusters) writeFileSync(adminKubeconfig(c), stringify(config([c], false)), { mode: 0o600 });
}

export const adminKubeconfig = (c: LabCluster) => path.join(c.dir, 'admin.kubeconfig');
