// Text that clusters, kubeconfigs and workspaces hold reaches the terminal only as printable text:
// a context name, a Flux message, a pod, namespace, label or silence comment holding escape
// sequences, carriage returns, newlines or bidi overrides cannot retitle the terminal, erase a line,
// recolour, add a row or reorder what is shown. JSON output keeps the exact values.
import http from 'node:http';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main, run } from './index.ts';
import { printable, table } from './table.ts';

/** OSC title, bell, erase line, CR, tab, LF, DEL, C1 CSI, a bidi override and isolate, a line separator. */
const H = 'x\u001b]0;PWNED\u0007\u001b[2K\rFAKE\trow\nnext\u007f\u009b31m\u202eevil\u2066\u2028end';
/** H as the terminal must show it. */
const SHOWN = String.raw`x\x1b]0;PWNED\x07\x1b[2K\rFAKE\trow\nnext\x7f\x9b31m\u202eevil\u2066\u2028end`;
/** What no printed text may hold (the line feeds that end lines aside). */
const unprintable = /(?!\n)[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0]/u;

describe('printable', () => {
  it('shows every control, C1, separator and bidi character as an escape and leaves other text alone', () => {
    expect(printable(H)).toBe(SHOWN);
    expect(printable('\u0000\u001b\u0085\u061c\u200f\u2029\u202a\u2069')).toBe(String.raw`\x00\x1b\x85\u061c\u200f\u2029\u202a\u2069`);
    expect(printable('héllo wörld ✓ 日本 C:\\path "q"')).toBe('héllo wörld ✓ 日本 C:\\path "q"');
    // names that would look alike: zero-width and format characters, the byte order mark, tags, fillers, a lone surrogate
    expect(printable('prod\u200b|\u2064\ufeff|\u00ad|\u{e0041}|\u3164|\ud800')).toBe(String.raw`prod\u200b|\u2064\ufeff|\xad|\u{e0041}|\u3164|\ud800`);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const shown = printable(text);
        expect(shown).not.toMatch(unprintable);
        expect(shown).not.toContain('\n');
        if (!/[\n\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0]/u.test(text)) expect(shown).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('a table has one line per row whatever its cells hold', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: 'binary' }), { minLength: 3, maxLength: 3 }), { maxLength: 8 }), (rows) => {
        const text = table(['A', 'B', 'C'], rows);
        expect(text.split('\n')).toHaveLength(rows.length + 1);
        expect(text).not.toMatch(unprintable);
      }),
      { numRuns: 500 },
    );
  });
});

describe('fleetdeck: hostile text from clusters and kubeconfigs', () => {
  let home: string;
  let server: http.Server;
  let kubeconfig: string;
  const context = `ctx${H}`;
  const down = `down${H}`;

  const pod = {
    metadata: { name: `web${H}`, namespace: `shop${H}`, uid: 'u1', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'app' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 9, state: { waiting: { reason: 'CrashLoopBackOff', message: H } } }] },
  };
  const kustomization = {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'apps', namespace: 'flux-system', resourceVersion: '1' },
    spec: { sourceRef: { kind: 'GitRepository', name: 'repo' } },
    status: { conditions: [{ type: 'Ready', status: 'False', reason: 'BuildFailed', message: H }] },
  };
  const times = { startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-02T00:00:00Z' };
  /** what the fake API server, Prometheus and Alertmanager answer, by method and path */
  const routes: Record<string, unknown> = {
    'GET /version': { gitVersion: `v1.31.0${H}` },
    'GET /api/v1/pods': { metadata: { resourceVersion: '1' }, items: [pod] },
    'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews': { status: { allowed: true } },
    'POST /apis/authentication.k8s.io/v1/selfsubjectreviews': { status: { userInfo: { username: H } } },
    'GET /apis/kustomize.toolkit.fluxcd.io': { preferredVersion: { version: 'v1' }, versions: [{ version: 'v1' }] },
    'GET /apis/kustomize.toolkit.fluxcd.io/v1': { resources: [{ name: 'kustomizations' }] },
    'GET /apis/kustomize.toolkit.fluxcd.io/v1/kustomizations': { metadata: { resourceVersion: '1' }, items: [kustomization] },
    'GET /apis': { groups: [] },
    'GET /api/v1': { groupVersion: 'v1', resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['list', 'get', 'create'] }] },
    'GET /api/v1/namespaces': { metadata: { resourceVersion: '1' }, items: [{ metadata: { name: `shop${H}` } }] },
    'GET /api/v1/nodes': { metadata: { resourceVersion: '1' }, items: [] },
    'GET /mon/api/v1/query': { status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: 'up', job: H }, value: [1, `1${H}`] }] } },
    'GET /mon/api/v1/status/config': { status: 'success', data: { yaml: 'global: {}\n' } },
    'GET /mon/api/v2/alerts': [{ labels: { alertname: `Up${H}`, severity: H, team: H }, annotations: {}, ...times, fingerprint: 'f', status: { state: 'active', silencedBy: [], inhibitedBy: [] }, receivers: [{ name: 'default' }] }],
    'GET /mon/api/v2/silences': [{ id: `1111${H}`, matchers: [{ name: 'alertname', value: H, isRegex: false, isEqual: true }], ...times, createdBy: H, comment: H, status: { state: 'active' } }],
    'GET /mon/api/v2/status': { config: { original: 'route: {receiver: default}\nreceivers: [{name: default}]\n' } },
  };

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'fleetdeck-terminal-'));
    vi.stubEnv('FLEETDECK_HOME', path.join(home, 'fleetdeck'));
    vi.stubEnv('HOME', home);
    vi.stubEnv('KUBECONFIG', '');
    server = http.createServer((req, res) => {
      const [pathname, query = ''] = (req.url ?? '').split('?');
      const route = `${req.method} ${pathname}`;
      // watches stay open and quiet; other lists are empty
      if (query.includes('watch=1')) return res.writeHead(200, { 'Content-Type': 'application/json' }).flushHeaders();
      if (route in routes) return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(routes[route]));
      if (req.method === 'GET' && query.includes('limit=')) return res.end(JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }));
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"kind":"Status","code":404,"message":"not found"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    kubeconfig = path.join(home, 'kubeconfig');
    await writeFile(
      kubeconfig,
      JSON.stringify({
        clusters: [
          { name: `c${H}`, cluster: { server: url } },
          { name: 'down', cluster: { server: 'http://127.0.0.1:1' } },
        ],
        users: [{ name: 'u', user: {} }],
        contexts: [
          { name: context, context: { cluster: `c${H}`, user: 'u', extensions: [{ name: 'fleetdeck.io/monitoring', extension: { prometheus: `${url}/mon`, alertmanager: `${url}/mon` } }] } },
          { name: down, context: { cluster: 'down', user: 'u' } },
        ],
        'current-context': context,
      }),
      { mode: 0o600 },
    );
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    server.closeAllConnections();
    server.close();
  });

  /** What main() prints, every stderr write included (the jobs' progress). */
  async function printed(argv: string[]): Promise<{ code: number; stdout: string; stderr: string[] }> {
    let stdout = '';
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
      const code = await main([...argv, '--kubeconfig', kubeconfig]);
      return { code, stdout, stderr: stderr.split('\n').slice(0, -1) };
    } finally {
      vi.restoreAllMocks();
    }
  }

  /** Output with the line count it must have, hostile text shown escaped, and stderr lines that are each one "fleetdeck: " line. */
  function expectPrintable({ stdout, stderr }: { stdout: string; stderr: string[] }, lines: number, command: string) {
    expect(stdout, command).not.toMatch(unprintable);
    expect(stdout.trimEnd().split('\n'), command).toHaveLength(lines);
    expect(stdout + stderr.join('\n'), command).toContain(SHOWN);
    for (const line of stderr) {
      expect(line, command).toMatch(/^fleetdeck: /);
      expect(line, command).not.toMatch(unprintable);
    }
  }

  it('every table and stderr line shows it escaped, one row per object', async () => {
    const cases: [string[], number][] = [
      [['clusters'], 3],
      [['clusters', '--connect'], 3],
      [['pods', '--problems', '--timeout', '10'], 2],
      [['gitops', 'status'], 2],
      [['query', 'up', '--context', context], 2],
      [['alerts', '--context', context], 2],
      [['silence', 'list', '--context', context], 2],
    ];
    for (const [argv, lines] of cases) {
      const result = await printed(argv);
      expectPrintable(result, lines, argv.join(' '));
    }
    // the failed cluster named on stderr, escaped, by the commands that ask every cluster
    expect((await printed(['clusters', '--connect'])).stderr).toEqual([expect.stringContaining(`fleetdeck: ${printable(down)}: cannot reach http://127.0.0.1:1`)]);
    expect((await printed(['pods', '--problems'])).stderr).toEqual([expect.stringContaining(`fleetdeck: ${printable(down)}: cannot reach http://127.0.0.1:1`)]);
  }, 60_000);

  it('JSON output keeps the exact values', async () => {
    expect(JSON.parse((await run(['clusters', '--kubeconfig', kubeconfig, '--output', 'json'])).output as string)).toEqual([expect.objectContaining({ context }), expect.objectContaining({ context: down })]);
    const status = await run(['gitops', 'status', '--context', context, '--kubeconfig', kubeconfig, '--output', 'json']);
    expect(JSON.parse(status.output as string)).toEqual([expect.objectContaining({ context, message: H })]);
    const silences = await run(['silence', 'list', '--context', context, '--kubeconfig', kubeconfig, '--output', 'json']);
    expect(JSON.parse(silences.output as string).silences).toEqual([expect.objectContaining({ comment: H, createdBy: H })]);
  }, 30_000);

  it("a job's progress and error lines show it escaped", async () => {
    const backup = await printed(['backup', '--context', context, '--out', path.join(home, 'all.tar.gz')]);
    // (the archive may then refuse the name: what matters here is how the lines show it)
    expect(backup.stdout).not.toMatch(unprintable);
    for (const line of backup.stderr) expect(line).not.toMatch(unprintable);
    expect(backup.stderr).toContain(`fleetdeck: listing 1/1 · configmaps in ${printable(`shop${H}`)}`);
    // an archive in a folder that does not exist: the report's error line, on stdout and stderr
    const out = path.join(home, `gone${H}`, 'all.tar.gz');
    const missing = await printed(['backup', '--context', context, '--out', out]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).not.toMatch(unprintable);
    // (a failure's first line: the name holds a line feed)
    const line = printable(`cannot write ${out}`.split('\n')[0]);
    expect(missing.stdout).toContain(`error: ${line}`);
    expect(missing.stderr.at(-1)).toBe(`fleetdeck: ${line}`);
    // a namespace name the contract refuses: one line naming it
    const refused = await printed(['backup', '--context', context, '--namespace', `gone${H}`, '--out', path.join(home, 'gone.tar.gz')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toEqual([expect.stringMatching(/^fleetdeck: --namespace: a namespace name: .*, got "gonex\\u001b\]0;PWNED/)]);
    expect(refused.stderr[0]).not.toMatch(unprintable);
  }, 30_000);

  it('a failure line shows it escaped: an unknown context lists the hostile ones', async () => {
    const result = await printed(['pods', '--problems', '--context', 'zeta']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: [`fleetdeck: context "zeta" not found; available: ${printable(context)}, ${printable(down)}`] });
  });

  it('validate shows a hostile file name escaped', async () => {
    const workspace = path.join(home, 'workspace');
    await mkdir(workspace);
    await writeFile(path.join(workspace, `bad${H.replaceAll('/', '')}.yaml`), 'kind: [\n');
    const result = await printed(['validate', workspace]);
    expect(result.stdout).not.toMatch(unprintable);
    expect(result.stdout).toContain(`bad${SHOWN}.yaml:`);
  });
});
