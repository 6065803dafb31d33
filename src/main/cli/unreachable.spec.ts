// Every command that talks to a cluster, against API servers that cannot be used: one that refuses
// connections, one that accepts them and never answers, one that trickles its answer a byte a
// second, and one whose connections never complete. Each command must end on its own (the test's
// timeout is the bound), exit 1 and say why in one line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FleetdeckError } from '../../shared/errors.ts';
import { ArchiveWriter } from '../services/jobs/archive.ts';
import { failureLine, run } from './index.ts';

let home: string;
const sockets = new Set<net.Socket>();
const servers: net.Server[] = [];
let listener: ChildProcess | undefined;

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Accepts connections and never answers, as a firewall that drops packets after the handshake does. */
const silent = () => listen(net.createServer((socket) => sockets.add(socket).has(socket) && socket.on('error', () => undefined)));

/** Answers every request with a status line and headers, then a byte of its body a second, forever. */
const trickling = () =>
  listen(
    net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{');
        const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(' ')), 1000);
      });
    }),
  );

/**
 * A port whose connections never complete, as a non-routable address's (10.255.255.1 is answered
 * by a proxy in some sandboxes): a process that listens with a backlog of 1 and never accepts;
 * once its queue is full the kernel drops further SYNs.
 */
async function neverConnects(): Promise<number> {
  const script = "const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>{console.log(s.address().port);Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0)})";
  listener = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = Number(await new Promise<string>((resolve) => listener!.stdout!.once('data', (data) => resolve(String(data)))));
  // fill the accept queue (backlog + 1 connections)
  for (let i = 0; i < 2; i++) {
    const socket = net.connect(port, '127.0.0.1');
    sockets.add(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
  }
  return port;
}

let kubeconfig: string;
let archive: string;
let passphraseFile: string;
let workspace: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'fleetdeck-unreachable-'));
  vi.stubEnv('FLEETDECK_HOME', path.join(home, 'fleetdeck'));
  vi.stubEnv('HOME', home);
  vi.stubEnv('KUBECONFIG', '');
  // the jobs' progress lines
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const urls: Record<string, string> = {
    refused: 'https://127.0.0.1:1',
    silent: `https://127.0.0.1:${await silent()}`,
    trickling: `http://127.0.0.1:${await trickling()}`,
    'never-connects': `https://127.0.0.1:${await neverConnects()}`,
  };
  const names = Object.keys(urls);
  kubeconfig = path.join(home, 'kubeconfig');
  await writeFile(
    kubeconfig,
    JSON.stringify({
      clusters: names.map((name) => ({ name, cluster: { server: urls[name] } })),
      users: [{ name: 'user', user: { token: 'not-a-real-token' } }],
      contexts: names.map((name) => ({ name, context: { cluster: name, user: 'user' } })),
    }),
    { mode: 0o600 },
  );
  passphraseFile = path.join(home, 'passphrase');
  await writeFile(passphraseFile, 'correct horse battery staple\n');
  archive = path.join(home, 'shop.tar.gz');
  const writer = await ArchiveWriter.create(archive, { key: { passphrase: 'correct horse battery staple', keySource: 'passphrase' } });
  await writer.add({ resource: 'configmaps', group: '', namespace: 'shop', name: 'settings', apiVersion: 'v1', kind: 'ConfigMap' }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' } });
  await writer.finish({ source: { context: 'prod', cloud: 'aks' }, selection: { namespaces: ['shop'] } });
  workspace = path.join(home, 'workspace');
  await mkdir(workspace);
  await writeFile(path.join(workspace, 'kustomization.yaml'), 'resources: [settings.yaml]\n');
  await writeFile(path.join(workspace, 'settings.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n');
});

afterAll(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  sockets.forEach((socket) => socket.destroy());
  servers.forEach((server) => server.close());
  listener?.kill('SIGKILL');
});

/** Every command that talks to the cluster of context c. */
const commands = (c: string) => [
  ['backup', '--context', c, '--out', path.join(home, `${c}.tar.gz`)],
  ['restore', '--context', c, '--from', archive, '--passphrase-file', passphraseFile],
  ['restore', '--context', c, '--from', archive, '--passphrase-file', passphraseFile, '--dry-run'],
  ['migrate', '--from-context', c, '--to-context', c, '--namespace', 'shop', '--namespace-map', 'shop=shop2'],
  ['migrate', '--from-context', c, '--to-context', c, '--namespace', 'web', '--namespace-map', 'web=web2', '--dry-run'],
  ['gitops', 'status', '--context', c],
  ['gitops', 'sync', '--context', c, 'application/argocd/shop'],
  ['gitops', 'refresh', '--context', c, 'application/argocd/shop'],
  ['gitops', 'reconcile', '--context', c, 'kustomization/flux-system/apps'],
  ['gitops', 'suspend', '--context', c, 'kustomization/flux-system/apps'],
  ['gitops', 'resume', '--context', c, 'kustomization/flux-system/apps'],
  ['gitops', 'drift', '--context', c, '--workspace', workspace, '--overlay', '.'],
  ['rules', 'deploy', '--context', c],
  ['rules', 'deploy', '--context', c, '--dry-run'],
  ['query', 'up', '--context', c],
  ['alerts', '--context', c],
  ['silence', 'list', '--context', c],
  ['silence', 'create', '--context', c, '--matcher', 'alertname="KubePodCrashLooping"', '--comment', 'maintenance'],
  ['silence', 'expire', '--context', c, '8d6a0ec4-2a0f-4a5e-9b8e-4d1b2f0c1a2b'],
];

/** What main() would print and return: the command's exit code and stderr lines, a thrown failure as its one line. */
async function outcome(argv: string[]): Promise<{ command: string; exitCode: number; lines: string[]; code?: string }> {
  const command = argv.filter((a) => !a.startsWith('/')).join(' ');
  try {
    const result = await run([...argv, '--kubeconfig', kubeconfig]);
    return { command, exitCode: result.exitCode, lines: result.errors };
  } catch (error) {
    return { command, exitCode: 1, lines: [failureLine(error)], ...(error instanceof FleetdeckError ? { code: error.code } : {}) };
  }
}

/** Why a cluster could not be used, as the request function, the jobs and the services say it. */
const unusable = /cannot reach https?:\/\/127\.0\.0\.1:\d+|did not answer within \d+ ?s|no answer within \d+ s/;

describe.concurrent('fleetdeck: a cluster that cannot be used fails every command in one line, exit 1', () => {
  for (const context of ['refused', 'silent', 'trickling', 'never-connects']) {
    it(`when it is ${context}`, async () => {
      const outcomes = await Promise.all(commands(context).map(outcome));
      for (const { command, exitCode, lines, code } of outcomes) {
        expect({ command, exitCode }).toEqual({ command, exitCode: 1 });
        expect(lines.length, command).toBeGreaterThan(0);
        for (const line of lines) {
          expect(line, command).not.toContain('\n');
          expect(line, command).toMatch(unusable);
        }
        if (code !== undefined) expect(['unreachable', 'timeout'], command).toContain(code);
      }
    }, 150_000);
  }
});
