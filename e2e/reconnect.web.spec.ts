import path from 'node:path';
import { expect, test, type WebSocketRoute } from '@playwright/test';
import { clusterByContext } from '../lab/config.ts';
import { LabApi } from '../lab/kube.ts';
import { webTransport } from '../src/renderer/web-transport.ts';
import { createApiClient } from '../src/shared/contract/index.ts';
import { root, screenshotDir, startWebShell, type RunningShell } from './web-shell.ts';

// A blip of the web shell's WebSocket: the events sent meanwhile are lost, so after reconnecting
// the page fetches again what it shows, and the Jobs list shows the backup that ran in the gap.
const ns = `blip-${Date.now().toString(36)}`;
const aks = new LabApi(clusterByContext('aks-lab'));
let shell: RunningShell;

test.beforeAll(async () => {
  await aks.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await aks.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { color: 'blue' } });
  shell = await startWebShell(['--kubeconfig', path.join(root, 'lab/.state/kubeconfig')]);
});
test.afterAll(async () => {
  await shell.stop();
  await aks.request('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
});

test('after the event socket drops and comes back, the Jobs list shows what happened in between', async ({ page }) => {
  test.setTimeout(120_000);
  let down = false;
  const sockets: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/events/, (socket) => {
    if (down) return void socket.close();
    sockets.push(socket);
    socket.connectToServer();
  });
  await page.goto(shell.url);
  await page.getByRole('button', { name: 'Jobs' }).click();
  const tasks = page.getByRole('list', { name: 'Tasks' });
  await expect(page.getByText(/\d+ running · \d+ in all/)).toBeVisible();
  await expect.poll(() => sockets.length).toBe(1);

  down = true;
  await sockets[0].close();
  const other = createApiClient(webTransport({ origin: shell.origin, token: new URL(shell.url).searchParams.get('token') }));
  const { id } = await other.jobs.startBackup({ context: 'aks-lab', selection: { namespaces: [ns] } });
  await expect.poll(async () => (await other.jobs.get({ id })).info.state, { timeout: 60_000 }).toBe('Completed');
  // the page heard none of it
  await expect(tasks).not.toContainText(ns);

  down = false;
  await expect(tasks).toContainText(`Back up ${ns}`, { timeout: 30_000 });
  expect(sockets.length).toBe(2);
  await page.screenshot({ path: path.join(screenshotDir, 'jobs-after-reconnect.png'), fullPage: true });
});
