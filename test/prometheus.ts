// A real Prometheus started for one test file, with the storage settings and flags under test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

export interface TestPrometheus {
  url: string;
  /** its --storage.tsdb.path */
  dataDir: string;
  stop(): void;
}

/** Starts Debian's prometheus with this configuration (prometheus.yml's keys) on a free loopback port, and waits until it is ready. */
export async function startPrometheus(config: { global?: object; storage?: object }, flags: string[]): Promise<TestPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-prom-'));
  const port = await freePort();
  writeFileSync(path.join(dir, 'prometheus.yml'), JSON.stringify({ ...config, global: { scrape_interval: '1m', ...config.global } }));
  const child: ChildProcess = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, ...flags], { stdio: 'ignore' });
  const stop = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150 && child.exitCode === null; i++) {
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) return { url, dataDir: path.join(dir, 'data'), stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  stop();
  throw new Error(`the Prometheus on ${url} did not get ready${child.exitCode !== null ? ` (it exited with ${child.exitCode}: its configuration?)` : ''}`);
}
