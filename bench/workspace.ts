// Offline workspace budgets (issue 8): open and validate a generated 2,000-file repository in
// ≤ 10 s; edit-to-diagnostic ≤ 200 ms on a 5,000-line file, measured in Chromium. Peers side by
// side: reading and parsing the same YAML with no check at all, and a keystroke's own paint.
// Needs no lab and no network. It measures and prints; it does not assert.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { parseAllDocuments } from 'yaml';
import { scaffoldFiles } from '../src/shared/manifests/scaffold.ts';
import { listWorkspace } from '../src/main/services/manifests/workspace-files.ts';
import { LocalManifestsService } from '../src/main/services/manifests/manifests-service.ts';
import { startWebShell } from '../e2e/web-shell.ts';
import { median, quantile, rowPrinter } from './report.ts';

const root = path.resolve(import.meta.dirname, '..');
const FILES = Number(process.env.BENCH_WORKSPACE_FILES ?? 2000);
const BIG_LINES = 5000;
const row = rowPrinter(72, 10, 28);

/** Whole scaffolded applications side by side (26 files each) up to FILES, plus one 5,000-line file of Deployments. */
function generate(): { dir: string; big: string; replicas: string } {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-bench-ws-')), 'fleet');
  let count = 0;
  for (let i = 0; count < FILES - 1; i++) {
    for (const [file, text] of Object.entries(scaffoldFiles({ name: `app-${i}`, repoURL: 'https://git.example/fleet.git' }))) {
      const full = path.join(dir, 'apps', `app-${i}`, file);
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, text);
      count++;
    }
  }
  const deployment = readFileSync(path.join(dir, 'apps/app-0/base/deployment.yaml'), 'utf8');
  const docs: string[] = [];
  let lines = 0;
  for (let i = 0; lines < BIG_LINES; i++) {
    const doc = deployment.replaceAll('app-0', `big-${i}`).replace('replicas: 2', `replicas: ${i + 2}`);
    docs.push(doc);
    lines += doc.split('\n').length;
  }
  const big = 'apps/big/deployments.yaml';
  mkdirSync(path.join(dir, 'apps/big'), { recursive: true });
  const text = docs.join('---\n');
  writeFileSync(path.join(dir, big), text);
  // the edits happen in the Deployment half way down, found by its unique replica count
  return { dir, big, replicas: `replicas: ${Math.floor(docs.length / 2) + 2}` };
}

async function inProcess(dir: string) {
  // granted as the web shell's --workspace grants it
  const service = new LocalManifestsService({ dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-')), workspaces: [dir] });
  const timed = async (fn: () => Promise<unknown>) => {
    const started = performance.now();
    await fn();
    return performance.now() - started;
  };
  const open = median(await Promise.all([0, 1, 2].map(() => timed(() => service.open({ path: dir })))));
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await timed(() => service.validate({ root: dir })));
  const parseOnly = [];
  for (let i = 0; i < 3; i++) {
    parseOnly.push(
      await timed(async () => {
        const { files } = await listWorkspace(dir);
        for (const f of files.filter((f) => f.endsWith('.yaml'))) for (const d of parseAllDocuments(readFileSync(path.join(dir, f), 'utf8'))) d.toJS();
      }),
    );
  }
  const { problems, files } = await service.validate({ root: dir });
  return { open, validate: median(runs), parseOnly: median(parseOnly), problems: problems.length, files };
}

function cliSeconds(dir: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [path.join(root, 'bin/fleetdeck.js'), 'validate', dir, '--output', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, FLEETDECK_HOME: mkdtempSync(path.join(tmpdir(), 'fleetdeck-home-')) } });
  // exit 1 means errors were found, which is a result too
  if (result.status !== 0 && result.status !== 1) throw new Error(`fleetdeck validate failed: ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

/**
 * In Chromium through the web shell started with `--workspace dir`, which the Workspace screen
 * opens first: load the page and open it (with no cluster the app shows the Workspace screen by
 * itself), wait for the validated problem count, then edit the big file.
 */
async function inBrowser(dir: string, big: string, replicas: string, yamlFiles: number) {
  const shell = await startWebShell(['--kubeconfig', path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-kc-')), 'none.yaml'), '--workspace', dir]);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const started = performance.now();
    await page.goto(shell.url);
    await page.getByRole('button', { name: 'Workspace' }).click();
    await page.getByText(new RegExp(`· ${yamlFiles} files`)).waitFor({ timeout: 120_000 });
    const openAndValidate = (performance.now() - started) / 1000;

    await page.getByLabel('Find a file or object').fill(big);
    await page.getByRole('button', { name: new RegExp(big.replace('.', '\\.')) }).click();
    await page.locator('.cm-line').first().waitFor();
    // the cursor right after "replicas" in the middle Deployment, found with the editor's own search
    await page.locator('.cm-line').first().click();
    await page.keyboard.press('Control+f');
    await page.keyboard.type(replicas);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await page.keyboard.press('End');
    for (let i = 0; i < replicas.length - 'replicas'.length; i++) await page.keyboard.press('ArrowLeft');
    await page.evaluate(() => {
      const host = document.querySelector('.editor-host')!.shadowRoot!;
      const state = { key: 0, errors: host.querySelectorAll('.cm-lintRange-error').length, changes: [] as { errors: number; at: number }[], typed: [] as number[] };
      (window as unknown as { bench: typeof state }).bench = state;
      document.addEventListener('keydown', () => (state.key = performance.now()), true);
      new MutationObserver(() => {
        const errors = host.querySelectorAll('.cm-lintRange-error').length;
        if (errors !== state.errors) state.changes.push({ errors, at: performance.now() - state.key });
        state.errors = errors;
      }).observe(host, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
      new MutationObserver(() => state.typed.push(performance.now() - state.key)).observe(host.querySelector('.cm-content')!, { subtree: true, characterData: true, childList: true });
    });
    type Bench = { errors: number; changes: { errors: number; at: number }[]; typed: number[] };
    const read = () => page.evaluate(() => (window as unknown as { bench: Bench }).bench);
    const diagnostic: number[] = [];
    const paint: number[] = [];
    for (let round = 0; round < 30; round++) {
      const before = await read();
      const expectErrors = round % 2 === 0 ? before.errors + 1 : before.errors - 1;
      const changesBefore = before.changes.length;
      const typedBefore = before.typed.length;
      // "replicas" → "replica" (an unknown field), then back
      await page.keyboard.press(round % 2 === 0 ? 'Backspace' : 's');
      await page.waitForFunction(({ n, e }) => {
        const b = (window as unknown as { bench: Bench }).bench;
        return b.changes.length > n && b.errors === e;
      }, { n: changesBefore, e: expectErrors }, { timeout: 10_000 });
      const after = await read();
      diagnostic.push(after.changes[after.changes.length - 1].at);
      paint.push(after.typed[typedBefore] ?? NaN);
      await page.waitForTimeout(200);
    }
    return { openAndValidate, diagnostic, paint: paint.filter((p) => !Number.isNaN(p)) };
  } finally {
    await browser.close();
    await shell.stop();
  }
}

const { dir, big, replicas } = generate();
const lines = readFileSync(path.join(dir, big), 'utf8').split('\n').length;
console.error(`bench: generated ${(await listWorkspace(dir)).files.length} files in ${dir} (the big file: ${lines} lines)`);
row('measure', 'ours', 'peer / budget', 'ratio');
const ours = await inProcess(dir);
row(`open ${ours.files} YAML files (tree, kinds, roles), in main`, `${(ours.open / 1000).toFixed(2)} s`);
row(`validate them (schemas + lint, ${ours.problems} findings) vs read + parse only`, `${(ours.validate / 1000).toFixed(2)} s`, `${(ours.parseOnly / 1000).toFixed(2)} s`, (ours.validate / ours.parseOnly).toFixed(2));
const cli = cliSeconds(dir);
row('fleetdeck validate DIR (CLI, process start included)', `${cli.toFixed(2)} s`, '10 s', (cli / 10).toFixed(2));
const browser = await inBrowser(dir, big, replicas, ours.files);
row('load + open + validate in Chromium (until the problem count shows)', `${browser.openAndValidate.toFixed(2)} s`, '10 s', (browser.openAndValidate / 10).toFixed(2));
row(`edit → diagnostic shown, ${lines}-line file, p50 vs the keystroke's own paint`, `${median(browser.diagnostic).toFixed(0)} ms`, `${median(browser.paint).toFixed(0)} ms`, '');
row(`edit → diagnostic shown, ${lines}-line file, p95`, `${quantile(browser.diagnostic, 0.95).toFixed(0)} ms`, '200 ms', (quantile(browser.diagnostic, 0.95) / 200).toFixed(2));
