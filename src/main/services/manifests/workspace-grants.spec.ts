// Issue 18 item 3: the renderer names roots, main decides. Only folders the user opened through
// main (command line, dialog, drop, recent list, sample, scaffolded) are workspaces.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalManifestsService } from './manifests-service.ts';

const temp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

/** Every method that takes a root, called with `root`. */
const everyRootMethod = (service: LocalManifestsService, root: string): [string, () => Promise<unknown>][] => [
  ['open', () => service.open({ path: root })],
  ['read', () => service.read({ root, path: 'token.yaml' })],
  ['write', () => service.write({ root, path: 'planted.yaml', text: 'x' })],
  ['validate', () => service.validate({ root })],
  ['render', () => service.render({ root, dir: '' })],
  ['locate', () => service.locate({ root, dir: '', objects: [] })],
  ['compareOverlays', () => service.compareOverlays({ root, overlays: ['a', 'b'] })],
  ['gitStatus', () => service.gitStatus({ root })],
  ['gitDiff', () => service.gitDiff({ root })],
  ['gitStage', () => service.gitStage({ root, paths: ['token.yaml'] })],
  ['gitUnstage', () => service.gitUnstage({ root, paths: ['token.yaml'] })],
  ['gitCommit', () => service.gitCommit({ root, message: 'x' })],
  ['gitBranches', () => service.gitBranches({ root })],
  ['gitSwitch', () => service.gitSwitch({ root, branch: 'x', create: true })],
  ['gitLog', () => service.gitLog({ root })],
  ['gitInit', () => service.gitInit({ root })],
  ['scaffold', () => service.scaffold({ into: root, name: 'planted' })],
];

describe('workspace grants', () => {
  it('refuses every method on a root that was not opened through main, saying how to open one; nothing is read or written there', async () => {
    const dataDir = temp('fleetdeck-home-');
    writeFileSync(path.join(dataDir, 'vault.key'), 'the key');
    const granted = temp('fleetdeck-ws-');
    writeFileSync(path.join(granted, 'a.yaml'), 'a: 1\n');
    const elsewhere = temp('fleetdeck-private-');
    writeFileSync(path.join(elsewhere, 'token.yaml'), 'token: s3cr3t\n');
    const service = new LocalManifestsService({ dataDir, workspaces: [granted] });
    for (const root of [elsewhere, dataDir, path.dirname(granted), `${granted}/..`]) {
      for (const [method, call] of everyRootMethod(service, root)) {
        await expect(call(), `${method} ${root}`).rejects.toMatchObject({ code: 'forbidden', message: `${root} is not a folder opened in Fleetdeck: start Fleetdeck with --workspace DIR (repeatable) to open it, e.g. npm run web -- --workspace DIR` });
      }
    }
    expect(readdirSync(elsewhere)).toEqual(['token.yaml']);
    expect(readdirSync(dataDir).sort()).toEqual(['vault.key']);
    // the granted folder, also named through a link to it, is the same folder
    const link = path.join(temp('fleetdeck-link-'), 'ws');
    symlinkSync(granted, link);
    expect((await service.read({ root: link, path: 'a.yaml' })).text).toBe('a: 1\n');
    expect((await service.open({ path: link })).root).toBe(realpathSync(granted));
    // with a folder dialog, the refusal says to use it
    const desktop = new LocalManifestsService({ dataDir, pickFolder: async () => undefined });
    await expect(desktop.read({ root: elsewhere, path: 'token.yaml' })).rejects.toThrow(/is not a folder opened in Fleetdeck: open it with Open folder… or drop it on the window/);
  });

  it("never grants Fleetdeck's data folder, a folder around it or one inside it, however asked; its sample copy and new repositories are its own", async () => {
    const home = temp('fleetdeck-user-');
    const dataDir = path.join(home, '.config', 'fleetdeck');
    mkdirSync(path.join(dataDir, 'jobs'), { recursive: true });
    for (const dir of [dataDir, home, path.join(home, '.config'), path.join(dataDir, 'jobs')]) {
      await expect(new LocalManifestsService({ dataDir, workspaces: [dir] }).folders(), dir).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining("holds Fleetdeck's own data") });
      await expect(new LocalManifestsService({ dataDir, pickFolder: async () => dir }).chooseFolder(), dir).rejects.toMatchObject({ code: 'forbidden' });
      await expect(new LocalManifestsService({ dataDir }).grantFolder(dir), dir).rejects.toMatchObject({ code: 'forbidden' });
    }
    const service = new LocalManifestsService({ dataDir });
    expect((await service.open({})).root).toBe(path.join(dataDir, 'sample-workspace'));
    expect((await service.scaffold({ into: 'new-folder', name: 'shop' }))?.root).toBe(path.join(dataDir, 'workspaces', 'shop'));
    expect((await service.folders()).folders).toEqual([path.join(dataDir, 'workspaces', 'shop'), path.join(dataDir, 'sample-workspace')]);
  });

  it('grants what the user opened through main, and keeps the recent list across restarts; a list naming the data folder is not honoured', async () => {
    const dataDir = temp('fleetdeck-home-');
    const [fromCommandLine, fromDialog, dropped] = [temp('fleetdeck-cli-'), temp('fleetdeck-dialog-'), temp('fleetdeck-drop-')];
    const titles: string[] = [];
    let answer: string | undefined = fromDialog;
    const service = new LocalManifestsService({
      dataDir,
      workspaces: [fromCommandLine],
      pickFolder: async (title) => {
        titles.push(title);
        return answer;
      },
    });
    // the command-line folder opens when the renderer names none
    expect((await service.open({})).root).toBe(fromCommandLine);
    expect(await service.folders()).toEqual({ folders: [fromCommandLine], dialog: true, newFolderParent: path.join(dataDir, 'workspaces') });
    expect((await service.chooseFolder())?.root).toBe(fromDialog);
    answer = undefined;
    expect(await service.chooseFolder()).toBeNull();
    expect(titles).toEqual(['Open a GitOps workspace', 'Open a GitOps workspace']);
    // a drop: main checks the path the preload read is a folder
    await expect(service.grantFolder(path.join(dropped, 'nope'))).rejects.toMatchObject({ code: 'not-found' });
    writeFileSync(path.join(dropped, 'file.yaml'), '');
    await expect(service.grantFolder(path.join(dropped, 'file.yaml'))).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('not a folder') });
    expect(await service.grantFolder(dropped)).toBe(dropped);
    await service.open({ path: dropped });

    const restarted = new LocalManifestsService({ dataDir });
    expect((await restarted.folders()).folders).toEqual([dropped, fromDialog, fromCommandLine]);
    expect((await restarted.open({})).root).toBe(dropped);
    expect((await restarted.open({ path: fromDialog })).root).toBe(fromDialog);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'workspaces.json'), 'utf8'))).toEqual({ recent: [fromDialog, dropped, fromCommandLine] });

    writeFileSync(path.join(dataDir, 'workspaces.json'), JSON.stringify({ recent: [dataDir, '/', 42, fromDialog] }));
    const tampered = new LocalManifestsService({ dataDir });
    expect((await tampered.folders()).folders).toEqual([fromDialog]);
    await expect(tampered.read({ root: dataDir, path: 'workspaces.json' })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('scaffolds only where main puts it: a new folder of its own, a folder from its dialog, or an opened folder that is empty', async () => {
    const dataDir = temp('fleetdeck-home-');
    const web = new LocalManifestsService({ dataDir });
    await expect(web.scaffold({ into: 'new-folder' })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('a name for the new repository') });
    await expect(web.scaffold({ into: 'new-folder', name: '../../escape' })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('is not a valid name') });
    await expect(web.scaffold({ into: 'dialog' })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('--workspace DIR') });
    const created = await web.scaffold({ into: 'new-folder', name: 'payments' });
    expect(created?.root).toBe(path.join(dataDir, 'workspaces', 'payments'));
    expect(created?.kustomizations).toContain('overlays/eks');
    await expect(web.scaffold({ into: 'new-folder', name: 'payments' })).rejects.toThrow(/is not empty/);
    expect(readdirSync(dataDir).sort()).toEqual(['workspaces', 'workspaces.json']);

    const empty = temp('fleetdeck-empty-');
    const chosen = path.join(temp('fleetdeck-dialog-'), 'new-repo');
    const desktop = new LocalManifestsService({ dataDir, workspaces: [empty], pickFolder: async () => chosen });
    expect((await desktop.scaffold({ into: 'dialog', name: 'shop' }))?.root).toBe(chosen);
    expect(readFileSync(path.join(chosen, 'base/kustomization.yaml'), 'utf8')).toContain('shop');
    expect((await desktop.scaffold({ into: empty }))?.root).toBe(empty);
    await expect(desktop.scaffold({ into: chosen })).rejects.toThrow(/is not empty/);
    expect(await new LocalManifestsService({ dataDir, pickFolder: async () => undefined }).scaffold({ into: 'dialog' })).toBeNull();
  });
  it('opens several folders at once (two screens opening two folders): each open succeeds and the recent list holds them all', async () => {
    const dataDir = temp('fleetdeck-home-');
    const folders = Array.from({ length: 6 }, () => realpathSync(temp('fleetdeck-ws-')));
    const service = new LocalManifestsService({ dataDir, workspaces: folders });
    const opened = await Promise.all(folders.map((f) => service.open({ path: f })));
    expect(opened.map((o) => o.root)).toEqual(folders);
    const recent = (JSON.parse(readFileSync(path.join(dataDir, 'workspaces.json'), 'utf8')) as { recent: string[] }).recent;
    expect(recent.sort()).toEqual([...folders].sort());
    expect((await service.folders()).folders.sort()).toEqual([...folders].sort());
  });
});
