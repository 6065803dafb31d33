import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Dispatcher } from '../rpc/dispatcher.ts';
import { createServices, exposeServices } from '../services/index.ts';
import { widenProcessPath } from '../kube/exec-path.ts';
import { dataDir, FileKeyStore } from '../kube/vault.ts';
import { startWebShell } from './server.ts';

// built to out/main/web.js, beside out/renderer
const rendererDir = path.resolve(import.meta.dirname, '../renderer');

async function main() {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, kubeconfig: { type: 'string' }, workspace: { type: 'string', multiple: true } },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got "${values.port}"`);
  if (!existsSync(path.join(rendererDir, 'index.html'))) throw new Error(`the renderer is not built (${rendererDir}): run npm run build`);
  widenProcessPath();
  const dispatcher = new Dispatcher();
  const dir = dataDir();
  const services = createServices({ kubeconfig: values.kubeconfig, dataDir: dir, keys: new FileKeyStore(dir), workspaces: values.workspace });
  const unexpose = exposeServices(services, dispatcher);
  const shell = await startWebShell({ dispatcher, rendererDir, port });
  console.log(`Fleetdeck web shell: ${shell.url}`);
  const stop = () =>
    void shell
      .close()
      .finally(() => {
        unexpose();
        services.dispose();
      })
      .then(() => process.exit(0), () => process.exit(1));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: Error) => {
  console.error(`fleetdeck web: ${error.message}`);
  process.exit(1);
});
