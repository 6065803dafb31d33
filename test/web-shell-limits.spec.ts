// The request-size limits of the contracts and of the web shell agree, seen from the renderer's
// own web transport: what a contract accepts gets through, a larger body is refused as too-large.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { maxRequestBodyBytes, maxWorkspaceFileChars } from '../src/shared/contract/limits.ts';
import { writeInput } from '../src/shared/contract/manifests.ts';
import { defineService, exposeService } from '../src/shared/rpc.ts';
import { Dispatcher } from '../src/main/rpc/dispatcher.ts';
import { startWebShell, type WebShell } from '../src/main/web/server.ts';
import { webTransport } from '../src/renderer/web-transport.ts';

let shell: WebShell;
beforeAll(async () => {
  const rendererDir = mkdtempSync(path.join(tmpdir(), 'fleetdeck-renderer-'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html>');
  const dispatcher = new Dispatcher();
  // the real contract of the largest input, in front of a stub that says what reached it
  const contract = defineService<{ write(input: { text: string }): Promise<number> }>({ name: 'manifests', methods: { write: writeInput }, events: [] });
  exposeService(contract, { write: async ({ text }) => text.length }, dispatcher);
  shell = await startWebShell({ dispatcher, rendererDir, port: 0 });
});
afterAll(() => shell.close());

it('lets every input the contracts accept through, and reports a body larger than that as too-large', async () => {
  const client = webTransport({ origin: `http://127.0.0.1:${shell.port}`, token: shell.token });
  const write = (text: string) => client.call('manifests', 'write', { root: '/workspace', path: 'a.yaml', text });
  // the longest text a write may carry, in its longest JSON encoding (\u0001: six bytes a character)
  expect(await write('\u0001'.repeat(maxWorkspaceFileChars))).toEqual({ ok: true, value: maxWorkspaceFileChars });
  // one character more gets through the transport and is refused by the contract
  expect(await write('\u0001'.repeat(maxWorkspaceFileChars + 1))).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  expect(await write('\u0001'.repeat(Math.ceil(maxRequestBodyBytes / 6)))).toEqual({
    ok: false,
    error: { code: 'too-large', message: `request too large: a call's body may be at most ${maxRequestBodyBytes} bytes` },
  });
  expect(await write('still serving')).toEqual({ ok: true, value: 13 });
}, 60_000);
