// Child process of the fleet benchmark: plays the main process, watches the given context and
// prints {syncMs} once every cache has listed.
import { KubeconfigStore } from '../src/main/services/clusters/kubeconfig-store.ts';
import { KubeFleetService } from '../src/main/services/fleet/fleet-service.ts';

const [kubeconfig, context] = process.argv.slice(2);
const started = performance.now();
const fleet = new KubeFleetService({ store: new KubeconfigStore([kubeconfig]), contexts: [context] });
await fleet.synced();
const syncMs = performance.now() - started;
console.log(JSON.stringify({ syncMs }));
fleet.dispose();
process.exit(0);
