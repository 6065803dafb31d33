// A gs: repository's Google key reaches the engine's mover pods as a file. There is no Google Cloud
// Storage here, so no gs: backup runs: the key's token_uri points at a server of this test, and the
// engine's repository check Job (restic cat config on a gs: repository) shows what restic in the pod
// did with the file GOOGLE_APPLICATION_CREDENTIALS names: the JWT it asks a token with is checked
// against the generated key's public half. The lab's S3 repository is checked with a key mounted too.
import { createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moverRepositoryEnvPath } from '../../../../../lab/object-store.ts';
import { fakeServiceAccount } from '../../../../../test/google-credentials.ts';
import { labApi, labKubeconfig } from '../../../../../test/lab.ts';
import { RUN_LABEL } from '../../../../shared/migration/movers.ts';
import { ClusterClient } from '../../../kube/cluster-client.ts';
import { kubeConfigFor, loadKubeconfigs } from '../../../kube/kubeconfig.ts';
import { VolumeEngine } from './engine.ts';
import { readRepositoryEnv } from './repository.ts';
import { ThroughputStore } from './throughput.ts';

const context = 'eks-lab';
const api = labApi(context);
const namespace = `gkey-${Date.now().toString(36)}`;
const work = mkdtempSync(path.join(tmpdir(), 'fleetdeck-gkey-'));

type Secret = { metadata: { name: string }; data?: Record<string, string> };
type Pod = { spec: { containers: { name: string; env?: { name: string; value?: string }[]; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[]; volumes?: { name: string; secret?: { secretName: string; defaultMode?: number } }[] } };

/** The mover Secrets of a run in the test's namespace, by name, their values decoded. */
async function runSecrets(run: string): Promise<Record<string, Record<string, string>>> {
  const list = await api.request<{ items: Secret[] }>('GET', `/api/v1/namespaces/${namespace}/secrets?labelSelector=${encodeURIComponent(`${RUN_LABEL}=${run}`)}`);
  return Object.fromEntries(list.items.map((s) => [s.metadata.name, Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]))]));
}

async function engineFor(envFile: string, run: string) {
  return new VolumeEngine({ env: await readRepositoryEnv(envFile), live: false, parallel: 1, run, throughput: new ThroughputStore(work), onProgress: () => undefined, pollMs: 250 });
}

const client = async () => new ClusterClient(kubeConfigFor(await loadKubeconfigs([labKubeconfig]), context), context);

describe.skipIf(!existsSync(moverRepositoryEnvPath))("a gs: repository's Google key in the lab's mover pods (no GCS here: a token server of the test stands in for Google's)", () => {
  let server: http.Server;
  let tokenUri = '';
  const assertions: string[] = [];

  beforeAll(async () => {
    await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d));
      req.on('end', () => {
        const assertion = new URLSearchParams(body).get('assertion');
        if (req.url === '/token' && assertion) assertions.push(assertion);
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant","error_description":"the lab has no Google"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tokenUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });

  afterAll(async () => {
    server?.close();
    await api.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('restic in the check pod the engine made signs its token request with the key read from the file GOOGLE_APPLICATION_CREDENTIALS names', async () => {
    const key = { ...fakeServiceAccount(), token_uri: tokenUri };
    const keyFile = path.join(work, 'sa.json');
    writeFileSync(keyFile, JSON.stringify(key, null, 2), { mode: 0o600 });
    const envFile = path.join(work, 'gcs.env');
    writeFileSync(envFile, `RESTIC_REPOSITORY=gs:fleetdeck-lab-bucket:/restic\nRESTIC_PASSWORD=lab-password\nGOOGLE_PROJECT_ID=fleetdeck-lab\nGOOGLE_APPLICATION_CREDENTIALS=${keyFile}\n`);
    const run = `g${Date.now().toString(36)}`;
    const engine = await engineFor(envFile, run);
    // the laptop's file is read once; the pod gets its content, wherever the file is later
    rmSync(keyFile);

    const checked = await engine.checkRepository(await client(), namespace).then(
      () => undefined,
      (error: Error) => error,
    );
    // the token server refused: restic's error comes back (its last lines), without the key's secrets
    expect(checked?.message).toMatch(/could not be opened from eks-lab \(.*container restic exited with 1 .*"error":"invalid_grant"/);
    for (const secret of [key.private_key_id, key.private_key.split('\n')[2]]) expect(checked?.message).not.toContain(secret);

    expect(assertions).toHaveLength(1);
    const [header, claims, signature] = assertions[0].split('.');
    const decoded = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
    expect(decoded(header)).toMatchObject({ alg: 'RS256', kid: key.private_key_id });
    expect(decoded(claims)).toMatchObject({ iss: key.client_email, aud: tokenUri, scope: 'https://www.googleapis.com/auth/devstorage.read_write' });
    expect(verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), createPublicKey(key.private_key), Buffer.from(signature, 'base64url'))).toBe(true);

    // the key came in a Secret of its own, mounted 0400; the Secret envFrom exports has no trace of it
    const secrets = await runSecrets(run);
    expect(Object.keys(secrets).sort()).toEqual([`fleetdeck-mover-${run}`, `fleetdeck-mover-${run}-google`]);
    expect(Object.keys(secrets[`fleetdeck-mover-${run}`]).sort()).toEqual(['GOOGLE_PROJECT_ID', 'RESTIC_PASSWORD', 'RESTIC_REPOSITORY']);
    expect(JSON.parse(secrets[`fleetdeck-mover-${run}-google`]['credentials.json'])).toEqual(key);
    const pods = await api.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(`batch.kubernetes.io/job-name=fleetdeck-check-${run}`)}`);
    const pod = pods.items[0].spec;
    expect(pod.volumes?.find((v) => v.secret)).toEqual({ name: 'google-credentials', secret: { secretName: `fleetdeck-mover-${run}-google`, defaultMode: 0o400 } });
    expect(pod.containers[0].env?.find((e) => e.name === 'GOOGLE_APPLICATION_CREDENTIALS')?.value).toBe('/var/run/secrets/fleetdeck.io/google/credentials.json');

    // a failed run leaves its Job for a look, never its Secrets
    expect(await engine.finish(false)).toEqual([`${context}: Job ${namespace}/fleetdeck-check-${run}`]);
    expect(await runSecrets(run)).toEqual({});
  });

  it("checks the lab's S3 repository with a key mounted as it does without one, and removes both Secrets", async () => {
    const keyFile = path.join(work, 'other.json');
    writeFileSync(keyFile, JSON.stringify(fakeServiceAccount()));
    const envFile = path.join(work, 's3.env');
    writeFileSync(envFile, `${readFileSync(moverRepositoryEnvPath, 'utf8').trimEnd()}\nGOOGLE_APPLICATION_CREDENTIALS=${keyFile}\n`);
    const run = `s${Date.now().toString(36)}`;
    const engine = await engineFor(envFile, run);
    await engine.checkRepository(await client(), namespace);
    expect(Object.keys(await runSecrets(run)).sort()).toEqual([`fleetdeck-mover-${run}`, `fleetdeck-mover-${run}-google`]);
    expect(await engine.finish(true)).toEqual([]);
    expect(await runSecrets(run)).toEqual({});
  });
});
