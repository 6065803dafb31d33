import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = path.resolve(import.meta.dirname, '../resources/alert-rules');
const sh = (command: string, ...args: string[]) => spawnSync(command, args, { encoding: 'utf8', cwd: dir });

describe('alert-rule pack', () => {
  it('passes promtool check rules', () => {
    const result = sh('promtool', 'check', 'rules', 'fleetdeck.rules.yaml');
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('SUCCESS: 19 rules found');
  });

  it('fires the expected alerts on the unit-test series (promtool test rules)', () => {
    const result = sh('promtool', 'test', 'rules', 'fleetdeck.rules.test.yaml');
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('ships a PrometheusRule generated from the same groups', () => {
    const result = sh(process.execPath, 'build-prometheusrule.mjs', '--check');
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});
