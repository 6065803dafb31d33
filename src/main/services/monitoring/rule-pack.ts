import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { resourcePath } from '../../base/resources.ts';

export interface PrometheusRuleObject {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'PrometheusRule';
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: { groups: { name: string; rules: { alert?: string; record?: string }[] }[] };
}

/** The pack's PrometheusRule, in the given namespace (default: the file's, monitoring). */
export async function rulePackObject(namespace?: string): Promise<PrometheusRuleObject> {
  const rule = parse(await readFile(resourcePath('alert-rules/fleetdeck.prometheusrule.yaml'), 'utf8')) as PrometheusRuleObject;
  if (namespace) rule.metadata.namespace = namespace;
  return rule;
}
