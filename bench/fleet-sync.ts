// Child process of the fleet benchmark: plays the main process, watches the given contexts,
// and prints {syncMs, rssBytes} once every cache has listed, then after a settle period.
import { KubeconfigStore } from '../src/main/services/clusters/kubeconfig-store.ts';
import { KubeFleetService } from '../src/main/services/fleet/fleet-service.ts';

const [kubeconfig, settleMs, ...contexts] = process.argv.slice(2);
const started = performance.now();
const fleet = new KubeFleetService({ store: new KubeconfigStore([kubeconfig]), contexts });
await fleet.synced();
const syncMs = performance.now() - started;
const pods = (await fleet.summaries()).reduce((sum, s) => sum + s.pods.running + s.pods.pending + s.pods.failed + s.pods.succeeded + s.pods.unknown, 0);
await new Promise((resolve) => setTimeout(resolve, Number(settleMs)));
globalThis.gc?.();
const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
console.log(JSON.stringify({ syncMs, pods, rssBytes: rss, heapUsedBytes: heapUsed, heapTotalBytes: heapTotal, externalBytes: external }));
fleet.dispose();
process.exit(0);
