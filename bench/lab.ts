// Lab budget benchmark: `up` (Go build cached) ≤ 90 s, `down` ≤ 10 s, whole lab ≤ 3 GB.
// Prints each figure beside its budget and the ratio; it measures, it does not assert.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const lab = (...args: string[]) => {
  const started = performance.now();
  const result = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../lab/lab.ts'), ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`lab ${args.join(' ')} failed: ${result.stderr}`);
  return { seconds: (performance.now() - started) / 1000, stdout: result.stdout };
};

lab('up'); // builds what is missing, so the timed run below has a warm Go cache
lab('down');
const up = lab('up');
await new Promise((resolve) => setTimeout(resolve, 30_000)); // let Prometheus fill its head block
const status = JSON.parse(lab('status', '--output', 'json').stdout) as { totalPssBytes: number; totalRssBytes: number };
const down = lab('down');
lab('up');

const gb = (bytes: number) => bytes / 1024 ** 3;
const rows: [string, number, number, string][] = [
  ['lab up (warm Go cache)', up.seconds, 90, 's'],
  ['lab down', down.seconds, 10, 's'],
  ['lab memory, summed PSS', gb(status.totalPssBytes), 3, 'GB'],
  ['lab memory, summed RSS (shared pages counted per process)', gb(status.totalRssBytes), 3, 'GB'],
];
console.log(`${'measure'.padEnd(60)} ${'value'.padStart(9)} ${'budget'.padStart(9)}  ratio`);
for (const [name, value, budget, unit] of rows) {
  console.log(`${name.padEnd(60)} ${`${value.toFixed(2)} ${unit}`.padStart(9)} ${`${budget} ${unit}`.padStart(9)}  ${(value / budget).toFixed(2)}`);
}
