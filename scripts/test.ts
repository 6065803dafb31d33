// `npm test`: typecheck, lint and build; bring the lab up; run Vitest (unit + lab integration)
// and Playwright (Chromium through the web shell, Electron where installed); stop the lab if
// this run started it; print one closing line with the totals.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { npmRun, run } from './run.ts';

const root = path.resolve(import.meta.dirname, '..');
const results = path.join(root, 'test-results');
const vitestJson = path.join(results, 'vitest.json');
const playwrightJson = path.join(results, 'playwright.json');

function labIsUp(): boolean {
  const records = path.join(root, 'lab/.state/processes.json');
  if (!existsSync(records)) return false;
  return (JSON.parse(readFileSync(records, 'utf8')) as { pid: number }[]).every(({ pid }) => existsSync(`/proc/${pid}`));
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function readCounts(): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(vitestJson)) {
    const v = JSON.parse(readFileSync(vitestJson, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
    counts.passed += v.numPassedTests;
    counts.failed += v.numFailedTests;
    counts.skipped += v.numPendingTests + v.numTodoTests;
  }
  if (existsSync(playwrightJson)) {
    const p = JSON.parse(readFileSync(playwrightJson, 'utf8')) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
    counts.passed += p.stats.expected + p.stats.flaky;
    counts.failed += p.stats.unexpected;
    counts.skipped += p.stats.skipped;
  }
  return counts;
}

async function main(): Promise<number> {
  rmSync(results, { recursive: true, force: true });
  mkdirSync(results, { recursive: true });
  if ((await npmRun('build')) !== 0) {
    console.log('build: 0 passed, 1 failed');
    return 1;
  }
  const startedLab = !labIsUp();
  if ((await npmRun('lab', 'up')) !== 0) {
    console.log('lab: 0 passed, 1 failed');
    return 1;
  }
  try {
    const vitest = await run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
    const playwright = await run('npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });
    const counts = readCounts();
    console.log(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    return vitest === 0 && playwright === 0 && counts.failed === 0 && counts.passed > 0 ? 0 : 1;
  } finally {
    if (startedLab) await npmRun('lab', 'down');
  }
}

process.exitCode = await main();
