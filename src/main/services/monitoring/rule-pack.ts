import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { FleetdeckError } from '../../../shared/errors.ts';

export interface PrometheusRuleObject {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'PrometheusRule';
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: { groups: { name: string; rules: { alert?: string; record?: string }[] }[] };
}

const RELATIVE = 'resources/alert-rules/fleetdeck.prometheusrule.yaml';

/** The rule pack ships in the project's resources folder, found from wherever this module was built to. */
function rulePackFile(): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, RELATIVE);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new FleetdeckError('not-found', `the rule pack ${RELATIVE} is missing from this installation`);
  }
}

/** The pack's PrometheusRule, in the given namespace (default: the file's, monitoring). */
export async function rulePackObject(namespace?: string): Promise<PrometheusRuleObject> {
  const rule = parse(await readFile(rulePackFile(), 'utf8')) as PrometheusRuleObject;
  if (namespace) rule.metadata.namespace = namespace;
  return rule;
}
