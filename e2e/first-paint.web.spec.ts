import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { root, startWebShell, type RunningShell } from './web-shell.ts';

// A measurement, printed and not asserted on time: how much script the first screen waits for,
// and when the first contentful paint comes (cold cache each load).
const kubeconfig = path.join(root, 'e2e/fixtures/multicloud.kubeconfig.yaml');
const loads = 5;
let shell: RunningShell;

test.beforeAll(async () => {
  shell = await startWebShell(['--kubeconfig', kubeconfig]);
});
test.afterAll(() => shell.stop());

function entryScript(): { name: string; bytes: number } {
  const html = readFileSync(path.join(root, 'out/renderer/index.html'), 'utf8');
  const src = /<script type="module"[^>]*src="\.?\/?([^"]+)"/.exec(html)![1];
  return { name: src, bytes: statSync(path.join(root, 'out/renderer', src)).size };
}

test('first paint and entry script size', async ({ browser }) => {
  const paints: number[] = [];
  const screenShown: number[] = [];
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(shell.url);
    await expect(page.getByRole('heading', { name: 'Fleet' })).toBeVisible();
    const timing = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      now: performance.now(),
    }));
    paints.push(timing.fcp);
    screenShown.push(timing.now);
    await context.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const script = entryScript();
  console.log(
    `first paint: entry script ${script.name} ${(script.bytes / 1024).toFixed(0)} KiB; ` +
      `first-contentful-paint median ${median(paints).toFixed(0)} ms (${paints.map((p) => p.toFixed(0)).join(', ')}); ` +
      `Fleet heading visible by ${median(screenShown).toFixed(0)} ms (median of ${loads} cold loads)`,
  );
  expect(paints.every((p) => p > 0)).toBe(true);
});
