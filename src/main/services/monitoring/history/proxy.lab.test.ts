// A history copy where both Prometheus servers are reached only through their API servers' service
// proxies, as Fleetdeck finds prometheus-operator's: remote read's streamed protobuf and remote
// write's snappy bodies pass through the proxy unchanged.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAddress, labKubeconfigWith, labUrls, prometheusBehindServiceProxy } from '../../../../../test/lab.ts';
import { namespacesSelector } from '../../../../shared/monitoring/history.ts';
import { KubeconfigStore } from '../../../kube/kubeconfig-store.ts';
import { KubeMonitoringService } from '../monitoring-service.ts';

describe.skipIf(!hostAddress)('metrics history through the API server service proxy', () => {
  const takeDown: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    for (const context of ['gke-lab', 'eks-lab']) takeDown.push(await prometheusBehindServiceProxy(context));
  });
  afterAll(() => Promise.all(takeDown.map((down) => down())));

  it("copies gke-lab's shop into eks-lab with both Prometheus servers discovered behind their API servers, verified", async () => {
    // the lab kubeconfig without the monitoring extension: each Prometheus is found as prometheus-operated
    const bare = labKubeconfigWith((config) => config.contexts.forEach((c) => delete c.context.extensions));
    const monitoring = new KubeMonitoringService({ store: new KubeconfigStore([bare]), dataDir: mkdtempSync(path.join(tmpdir(), 'fleetdeck-history-proxy-')) });
    // the API server's EndpointSlice cache may take a moment to see the new slices
    await expect.poll(async () => (await monitoring.endpoints({ contexts: ['gke-lab', 'eks-lab'], refresh: true })).map((e) => e.prometheus?.location), { timeout: 15_000 }).toEqual(['monitoring/prometheus-operated:web via the API server', 'monitoring/prometheus-operated:web via the API server']);

    const renamed = `proxied-${Date.now().toString(36)}`;
    const report = await monitoring.copyHistory({ fromContext: 'gke-lab', toContext: 'eks-lab', selectors: [namespacesSelector(['shop'])], sinceSeconds: 600, namespaceMap: { shop: renamed }, dryRun: false });
    expect(report).toMatchObject({ state: 'Completed', target: { receiver: true, problems: [] }, verification: { mismatches: [] } });
    expect(report.samples).toBeGreaterThan(report.series);
    expect(report.verification!.samplesMatched).toBe(report.samples);
    // written into eks-lab's own Prometheus, as its series API there lists them
    const listed = (await (await fetch(`${labUrls('eks-lab').prometheus}/api/v1/series?${new URLSearchParams({ 'match[]': `{namespace="${renamed}"}`, start: String(Date.parse(report.range.start) / 1000) })}`)).json()) as { data: unknown[] };
    expect(listed.data).toHaveLength(report.verification!.series);
  }, 300_000);
});
