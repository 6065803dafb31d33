// Child process of the fleet benchmark: plays the main process's cache of one cluster and prints
// {syncMs, eventsMs}: when the overview's collections were listed (the card is live) and when the
// events, which only the root-cause panel reads, were too.
import { KubeconfigStore } from '../src/main/kube/kubeconfig-store.ts';
import { kubeConfigFor } from '../src/main/kube/kubeconfig.ts';
import { ClusterCache } from '../src/main/services/fleet/cluster-cache.ts';

const [kubeconfig, context] = process.argv.slice(2);
const started = performance.now();
const { config } = await new KubeconfigStore([kubeconfig]).load();
const cache = new ClusterCache(context, 'other', kubeConfigFor(config, context));
await cache.start();
const syncMs = performance.now() - started;
await cache.reflectors.events.start();
const eventsMs = performance.now() - started;
console.log(JSON.stringify({ syncMs, eventsMs, events: cache.reflectors.events.store.size }));
cache.stop();
process.exit(0);
