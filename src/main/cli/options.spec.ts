// Each command reads its own options and checks them with the app's contracts: an option it does
// not take, or a value the contract refuses, is one line naming the option, before any file is
// read or any cluster contacted.
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backupWorkloadKinds } from '../../shared/kube-object.ts';
import { main, run } from './index.ts';

const home = mkdtempSync(path.join(tmpdir(), 'fleetdeck-cli-options-'));
let kubeconfig: string;
/** the connections the cluster's API server was asked for */
let contacted = 0;
const server = net.createServer((socket) => {
  contacted++;
  socket.destroy();
});

beforeAll(async () => {
  vi.stubEnv('FLEETDECK_HOME', path.join(home, 'fleetdeck'));
  vi.stubEnv('KUBECONFIG', '');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  kubeconfig = path.join(home, 'kubeconfig');
  const url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  await writeFile(kubeconfig, JSON.stringify({ clusters: [{ name: 'c', cluster: { server: url } }], users: [{ name: 'u', user: { token: 't' } }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }] }), { mode: 0o600 });
});
afterAll(() => {
  vi.unstubAllEnvs();
  server.close();
});

/** A folder that does not exist: the offline commands refuse their options before they look for it. */
const dir = () => path.join(home, 'no-such-workspace');

/** Each command as it is run, with an option it does not take at the end. */
const foreignOptions: [string, string[], string][] = [
  ['clusters', ['clusters'], '--out'],
  ['pods', ['pods', '--problems'], '--range'],
  ['backup', ['backup', '--context', 'c', '--out', 'b.tar.gz'], '--conflict'],
  ['restore', ['restore', '--context', 'c', '--from', 'b.tar.gz'], '--selector'],
  ['migrate', ['migrate', '--from-context', 'c', '--to-context', 'c'], '--out'],
  ['query', ['query', 'up'], '--matcher'],
  ['alerts', ['alerts'], '--out'],
  ['silence create', ['silence', 'create', '--context', 'c', '--matcher', 'alertname="X"', '--comment', 'why'], '--dry-run'],
  ['silence expire', ['silence', 'expire', '--context', 'c', '8d6a0ec4-2a0f'], '--comment'],
  ['silence list', ['silence', 'list'], '--duration'],
  ['rules deploy', ['rules', 'deploy', '--context', 'c'], '--prune'],
  ['gitops status', ['gitops', 'status'], '--workspace'],
  ['gitops sync', ['gitops', 'sync', '--context', 'c', 'application/argocd/shop'], '--self-heal'],
  ['gitops drift', ['gitops', 'drift', '--workspace', home, '--overlay', '.', '--context', 'c'], '--with-source'],
  ['render', ['render', dir()], '--name'],
  ['validate', ['validate', dir()], '--allow-remote'],
  ['scaffold', ['scaffold', dir()], '--kubernetes-version'],
];

/** Command lines whose values the contracts (or the command line's own syntax) refuse, and the line that says so. */
const refusedValues: [string[], string][] = [
  [['query', ''], `'<PromQL>': a PromQL expression, got ""`],
  [['query', '  '], `'<PromQL>': a PromQL expression, got "  "`],
  [['query', 'up', '--range', 'soon'], '--range must be a duration like 90s, 15m, 1h or 7d, or seconds; got "soon"'],
  [['query', 'up', '--range', '60d', '--step', '31d'], '--step: at most 30 days'],
  [['query', 'up', '--context', ''], '--context: Too small: expected string to have >=1 characters, got ""'],
  [['alerts', '--output', 'yaml'], '--output must be table or json, got "yaml"'],
  [['backup', '--context', 'c', '--out', 'b.tar.gz', '--namespace', 'Shop'], '--namespace: a namespace name: lower-case letters, digits and "-", starting and ending with a letter or digit, got "Shop"'],
  [['backup', '--context', 'c', '--out', 'b.tar.gz', '--namespace', 'shop', '--workload', 'Pod/web'], `--workload: Invalid option: expected one of ${backupWorkloadKinds.map((k) => `"${k}"`).join('|')}, got "Pod"`],
  [['backup', '--context', 'c', '--out', 'b.zip'], '--out must name a .tar.gz file, got "b.zip"'],
  [['backup', '--context', 'c', '--context', 'd', '--out', 'b.tar.gz'], 'backup takes one --context, got 2'],
  [['restore', '--context', 'c', '--from', 'b.tar.gz', '--namespace-map', 'shop'], '--namespace-map takes old=new, got "shop"'],
  [['restore', '--context', 'c', '--from', 'b.tar.gz', '--namespace-map', 'Shop=shop2'], '--namespace-map: a namespace name: lower-case letters, digits and "-", starting and ending with a letter or digit, got "Shop"'],
  [['restore', '--context', 'c', '--from', 'b.tar.gz', '--namespace-map', `shop=${'x'.repeat(64)}`], `--namespace-map: a namespace name of at most 63 characters, got "${'x'.repeat(64)}"`],
  [['restore', '--context', 'c', '--from', 'b.tar.gz', '--target-cloud', 'azure'], '--target-cloud: Invalid option: expected one of "aks"|"gke"|"eks", got "azure"'],
  [['restore', '--context', 'c', '--from', 'b.tar.gz', '--conflict', 'overwrite'], '--conflict: Invalid option: expected one of "skip"|"update"|"fail", got "overwrite"'],
  [['restore', '--context', 'c', '--from', 'b.tar.gz', '--verify-timeout', '1.5'], '--verify-timeout: whole seconds'],
  [['restore', '--context', 'c', '--from', 'b.tar.gz', '--verify-timeout', '7200'], '--verify-timeout: at most 3600 seconds'],
  [['restore', '--context', 'c', '--from', 'b.tar.gz', '--verify-timeout', 'soon'], '--verify-timeout takes a number of seconds, got "soon"'],
  [['restore', '--context', 'c', '--from', 'b.tar.gz', '--repository-env', 'movers.env'], '--repository-env needs --volumes restic'],
  [['migrate', '--from-context', 'a', '--to-context', 'b', '--volumes-live'], '--volumes-live needs --volumes restic'],
  [['migrate', '--from-context', 'a', '--to-context', 'b', '--volumes', 'rsync'], '--volumes takes restic (the only mover), got "rsync"'],
  [['migrate', '--from-context', 'a', '--to-context', 'b', '--volumes', 'restic'], "--volumes restic needs --repository-env FILE (RESTIC_REPOSITORY, RESTIC_PASSWORD and the store's credentials)"],
  [['backup', '--context', 'c', '--out', 'b.tar.gz', '--volumes', 'restic', '--repository-env', 'movers.env', '--parallel', '0'], '--parallel takes a whole number from 1 to 16, got "0"'],
  [['restore', '--context', 'c'], 'restore needs --from'],
  [['migrate', '--from-context', 'c'], 'migrate needs --to-context'],
  [['migrate', '--from-context', 'a', '--to-context', 'b', '--metrics-since', '7d'], '--metrics-since needs --with-metrics'],
  [['migrate', '--from-context', 'a', '--to-context', 'b', '--with-metrics', '--metrics-since', 'a week'], '--metrics-since must be a duration like 90s, 15m, 1h or 7d, or seconds; got "a week"'],
  [['migrate', '--from-context', 'a', '--to-context', 'b', '--with-metrics', '--metrics-since', '30s'], '--metrics-since: at least a minute'],
  [['migrate', '--from-context', 'c', '--to-context', 'c', '--context', 'c'], 'migrate takes --from-context and --to-context, not --context'],
  [['migrate', '--from-context', 'c', '--to-context', 'c', '--selector', 'x'.repeat(1001)], `--selector: Too big: expected string to have <=1000 characters, got "${'x'.repeat(80)}…"`],
  [['silence', 'create', '--matcher', 'alertname="X"', '--comment', 'why'], 'silence create needs --context'],
  [['silence', 'create', '--context', 'c', '--matcher', 'alertname="X"', '--comment', '  '], '--comment: a comment saying why, got "  "'],
  [['silence', 'create', '--context', 'c', '--matcher', 'alertname="X"', '--comment', 'why', '--duration', '2y'], '--duration: at most a year'],
  [['silence', 'expire', '--context', 'c', 'not-an-id'], 'ID: a silence id, got "not-an-id"'],
  [['rules', 'deploy', '--context', 'c', '--namespace', 'Monitoring'], '--namespace: a namespace name: lower-case letters, digits and "-", starting and ending with a letter or digit, got "Monitoring"'],
  [['gitops', 'sync', '--context', 'c', 'application/argocd/shop', '--timeout', '3601'], '--timeout: at most 3600 seconds'],
  [['gitops', 'drift', '--workspace', home, '--overlay', '../elsewhere', '--context', 'c'], '--overlay: a folder inside the workspace, got "../elsewhere"'],
  [['gitops', 'bless'], 'unknown gitops command "bless": expected status, drift, sync, refresh, reconcile, suspend, resume (see fleetdeck --help)'],
  [['render', dir(), '--output', 'table'], '--output must be yaml or json, got "table"'],
  [['validate', dir(), '--kubernetes-version', 'latest'], '--kubernetes-version: a Kubernetes version such as 1.31, got "latest"'],
  [['scaffold', dir(), '--name', 'x'.repeat(65)], `--name: Too big: expected string to have <=64 characters, got "${'x'.repeat(65)}"`],
];

describe('fleetdeck: each command takes its own options', () => {
  it.each(foreignOptions)('%s refuses an option it does not take, naming it', async (name, argv, option) => {
    await expect(run([...argv, '--kubeconfig', kubeconfig, option])).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(new RegExp(`^Unknown option '${option}': fleetdeck ${name} takes .*--kubeconfig, --context, --output, --help \\(see fleetdeck --help\\)$`)) });
    expect(contacted).toBe(0);
  });

  it('the global options are taken by every command, before or after its words', async () => {
    const missing = path.join(home, 'missing.yaml');
    await expect(run(['--kubeconfig', missing, 'alerts', '-o', 'json'])).rejects.toThrow(`kubeconfig ${missing} does not exist`);
    await expect(run(['silence', '--context', 'c', 'list', '--kubeconfig', missing])).rejects.toThrow(`kubeconfig ${missing} does not exist`);
    expect(await run(['alerts', '--help'])).toMatchObject({ output: expect.stringMatching(/^usage: fleetdeck <command> \[options\]/), exitCode: 0 });
  });

  it('an option it does not take is one line on stderr, exit 1', async () => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    const code = await main(['alerts', '--out', 'x', '--kubeconfig', kubeconfig]);
    vi.restoreAllMocks();
    expect({ code, stderr }).toEqual({ code: 1, stderr: "fleetdeck: Unknown option '--out': fleetdeck alerts takes --kubeconfig, --context, --output, --help (see fleetdeck --help)\n" });
  });
});

describe('fleetdeck: values are checked by the contracts, named as the command line names them', () => {
  it.each(refusedValues.map(([argv, message]) => [argv.join(' ').slice(0, 100), argv, message] as const))('%s', async (_, argv, message) => {
    await expect(run([...argv, '--kubeconfig', kubeconfig])).rejects.toMatchObject({ code: 'invalid-input', message });
    expect(contacted).toBe(0);
  });

  it('an accepted command does reach the cluster (the count above would see it)', async () => {
    await run(['clusters', '--connect', '--kubeconfig', kubeconfig]);
    expect(contacted).toBeGreaterThan(0);
  }, 30_000);
});
