import path from 'node:path';
import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import layering from './layering.js';

const root = path.resolve(import.meta.dirname, '../..');

function lint(file: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(
    code,
    [{ files: ['**/*.{ts,tsx}'], plugins: { fleetdeck: { rules: { layering } } }, rules: { 'fleetdeck/layering': 'error' } }],
    path.join(root, file),
  );
  return messages.map((m) => m.message);
}

describe('layering lint rule', () => {
  it('lets each layer import what DESIGN.md allows', () => {
    expect(lint('src/main/services/a.ts', "import '../../shared/rpc.ts'; import 'node:fs'; import 'electron';")).toEqual([]);
    expect(lint('src/renderer/a.ts', "import '../shared/rpc.ts'; import 'react';")).toEqual([]);
    expect(lint('src/preload/a.ts', "import 'electron'; import '../shared/ipc.ts';")).toEqual([]);
    expect(lint('src/shared/a.ts', "import './b.ts'; import 'zod';")).toEqual([]);
  });

  it('fails when a layer reaches across', () => {
    expect(lint('src/shared/a.ts', "import '../main/x.ts';")).toEqual(['src/shared must not import src/main (DESIGN.md §2 layering)']);
    expect(lint('src/shared/a.ts', "import 'node:fs';")).toEqual(['src/shared must not import "node:fs" (DESIGN.md §2 layering)']);
    expect(lint('src/renderer/features/a.ts', "import { x } from '../../main/services/index.ts';")).toHaveLength(1);
    expect(lint('src/renderer/a.ts', "export * from '../preload/index.ts';")).toHaveLength(1);
    expect(lint('src/renderer/a.ts', "import fs from 'fs';")).toHaveLength(1);
    expect(lint('src/renderer/a.ts', "import 'electron';")).toHaveLength(1);
    expect(lint('src/preload/a.ts', "import '../main/index.ts';")).toHaveLength(1);
    expect(lint('src/main/a.ts', "import '../renderer/api.ts';")).toHaveLength(1);
  });

  it('keeps services, the layers below them and renderer features apart', () => {
    expect(lint('src/main/services/gitops/a.ts', "import '../../kube/reflector.ts'; import '../../base/files.ts'; import './b.ts';")).toEqual([]);
    expect(lint('src/main/services/index.ts', "import './gitops/gitops-service.ts';")).toEqual([]);
    expect(lint('src/main/services/gitops/a.ts', "import '../fleet/cluster-cache.ts';")).toEqual(['src/main/services/gitops must not import src/main/services/fleet (DESIGN.md §2 layering)']);
    expect(lint('src/main/kube/a.ts', "import '../services/jobs/x.ts';")).toEqual(['src/main/kube must not import src/main/services (DESIGN.md §2 layering)']);
    expect(lint('src/main/kube/a.ts', "import '../cli/index.ts';")).toHaveLength(1);
    expect(lint('src/main/base/a.ts', "import '../kube/http.ts';")).toHaveLength(1);
    expect(lint('src/main/cli/a.ts', "import '../services/jobs/x.ts'; import '../kube/http.ts';")).toEqual([]);
    expect(lint('src/renderer/features/alerts/a.tsx', "import '../../ui/Banner.tsx'; import './queries.ts';")).toEqual([]);
    expect(lint('src/renderer/features/alerts/a.tsx', "import { age } from '../fleet/FleetScreen.tsx';")).toEqual(['src/renderer/features/alerts must not import src/renderer/features/fleet (DESIGN.md §2 layering)']);
    expect(lint('src/renderer/ui/a.tsx', "import '../features/fleet/queries.ts';")).toEqual(['src/renderer/ui must not import src/renderer/features/fleet (DESIGN.md §2 layering)']);
    expect(lint('src/main/services/fleet/a.ts', "import https from 'node:https';")).toEqual(['src/main must not import "node:https" (DESIGN.md §2 layering)']);
    expect(lint('src/main/services/fleet/a.spec.ts', "import http from 'node:http';")).toEqual([]);
    expect(lint('src/main/kube/http.ts', "import http from 'node:http';")).toEqual([]);
  });
});
