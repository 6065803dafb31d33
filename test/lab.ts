// Helpers for tests that run against the lab.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { clusterByContext, kubeconfigPath, urls } from '../lab/config.ts';
import { LabApi } from '../lab/kube.ts';

export const labKubeconfig = kubeconfigPath;
export const labApi = (context: string) => new LabApi(clusterByContext(context));
export const labUrls = (context: string) => urls(clusterByContext(context));

type KubeconfigEntry = { name: string } & Record<string, Record<string, unknown>>;

/** The lab kubeconfig with a change, in a file of its own. */
export function labKubeconfigWith(change: (config: { clusters: KubeconfigEntry[]; users: KubeconfigEntry[]; contexts: KubeconfigEntry[] }) => void): string {
  const config = parse(readFileSync(labKubeconfig, 'utf8'));
  change(config);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'fleetdeck-')), 'kubeconfig');
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

/** Runs `npm run lab -- …` in-process terms: the same entry point, a child process. */
export function lab(...args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../lab/lab.ts'), ...args], { encoding: 'utf8' });
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

export async function promQuery(context: string, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${labUrls(context).prometheus}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
  if (body.status !== 'success') throw new Error(body.error);
  return body.data.result;
}

export function notifications(context: string): { receivedAt: string; receiver: string; notification: { status: string; alerts: { labels: Record<string, string>; status: string }[]; commonLabels: Record<string, string> } }[] {
  try {
    return readFileSync(path.join(path.dirname(kubeconfigPath), context, 'notifications.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}
