// `npm start`: brings the lab up, builds the app and opens it on the lab's kubeconfig — the
// desktop app where the Electron binary is installed, else the web shell (its URL is printed).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { serviceProcessNodeFlags, webShellEntry } from '../src/main/web/node-flags.ts';
import { installedElectron } from './electron-binary.ts';
import { npmRun } from './run.ts';

const root = path.resolve(import.meta.dirname, '..');
const kubeconfig = path.join(root, 'lab/.state/kubeconfig');

async function main() {
  if ((await npmRun('lab', 'up')) !== 0) throw new Error('the lab did not come up (see above)');
  if ((await npmRun('build')) !== 0) throw new Error('the build failed (see above)');
  const electron = installedElectron();
  const [command, args] = electron
    ? [electron, [path.join(root, 'out/main/index.js'), '--kubeconfig', kubeconfig]]
    : [process.execPath, [...serviceProcessNodeFlags, path.join(root, webShellEntry), '--kubeconfig', kubeconfig, ...process.argv.slice(2)]];
  console.error(electron ? 'Starting the desktop app…' : 'No Electron binary here: starting the web shell; open the URL below in a browser.');
  const app = spawn(command, args, { stdio: 'inherit' });
  process.once('SIGINT', () => app.kill('SIGINT'));
  app.once('exit', (code) => {
    console.error('The lab keeps running; stop it with: npm run lab -- down');
    process.exit(code ?? 0);
  });
}

main().catch((error: Error) => {
  console.error(`fleetdeck start: ${error.message}`);
  process.exit(1);
});
