// Fuzzing the web shell: random and mutated HTTP requests against every route (the renderer's
// files, every contract method, /events) and random WebSocket frames. Nothing may crash the
// process (Vitest fails the run on an uncaught exception or unhandled rejection) or hang a
// connection (each case has a time limit); every refusal is a specific status, never a 500; and
// after each case the shell still answers a well-formed request. Bounded: a fixed number of
// runs, interrupted after a few seconds; a failure prints the seed that replays it.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contracts } from '../../shared/contract/index.ts';
import { exposeService, type ServiceContract } from '../../shared/rpc.ts';
import { Dispatcher } from '../rpc/dispatcher.ts';
import { answerBody, closeCode, exchange, finalStatus, frame, rawRequest } from '../../../test/raw-client.ts';
import { startWebShell, type WebShell } from './server.ts';

/** The answers a hostile request may get: the shell's own refusals and Node's HTTP parser's (400, 413, 417, 431, 501, 505). */
const refusals = new Set([400, 401, 403, 404, 405, 413, 415, 417, 431, 501, 505]);
/** Close codes of RFC 6455 a server may send (1002 protocol error, 1007 invalid data, 1009 too big, or the client's own code echoed). */
const validCloseCode = (code: number) => [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011].includes(code) || (code >= 3000 && code <= 4999);

const budget = (ms: number) => ({ numRuns: 300, plugins: [fc.interruptAfterTimeLimit(ms), fc.timeout(5_000)] });

let shell: WebShell;
let dispatcher: Dispatcher;
let ticker: NodeJS.Timeout;

beforeAll(async () => {
  const rendererDir = await mkdtemp(path.join(tmpdir(), 'fleetdeck-renderer-'));
  await mkdir(path.join(rendererDir, 'assets'));
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>ok</title>');
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'export {};');
  dispatcher = new Dispatcher();
  // every contract, validated for real, in front of a stub that answers "ok" to any accepted input
  for (const contract of Object.values(contracts) as ServiceContract<unknown>[]) {
    const stub = new Proxy({}, { get: (_, key) => (contract.events.includes(key as never) ? () => () => undefined : async () => 'ok') });
    exposeService(contract, stub, dispatcher);
  }
  shell = await startWebShell({ dispatcher, rendererDir, port: 0 });
  // events flow to the sockets while they are fuzzed, including sockets that are closing
  ticker = setInterval(() => dispatcher.emit('fuzz', 'tick', { at: Date.now() }), 2);
});
afterAll(async () => {
  clearInterval(ticker);
  await shell.close();
});

async function expectStillServing() {
  const answer = await exchange(shell.port, rawRequest('GET', '/', [['Host', `127.0.0.1:${shell.port}`], ['Authorization', `Bearer ${shell.token}`], ['Connection', 'close']]));
  expect(finalStatus(answer)).toBe(200);
}

// --- requests --------------------------------------------------------------------------------

const methodRoutes = Object.values(contracts).flatMap((contract) =>
  Object.entries(contract.methods as Record<string, z.ZodType>).map(([method, schema]) => ({ route: `/rpc/${contract.name}/${method}`, schema })),
);
const otherRoutes = ['/', '/index.html', '/assets/app.js', '/events', '/missing', '/rpc/nope/nope', '/rpc/clusters', '/..%2f..%2fetc%2fpasswd'];

/** A value for one field of a call's input: usually of a plausible kind, sometimes anything. */
const fieldValue = fc.oneof(
  fc.string(),
  fc.constantFrom('', '/', '/tmp', '/etc/passwd', '../..', 'a/../../b', 'C:\\x', 'default', 'kube-system', '%', '\u0000', 'é'.repeat(40)),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** The input of a call: the schema's own field names with random values, or any JSON at all. */
function inputFor(schema: z.ZodType) {
  const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const shaped = keys.length ? fc.dictionary(fc.constantFrom(...keys, 'extra'), fieldValue, { maxKeys: keys.length + 1 }) : fc.constant({});
  return fc.oneof({ weight: 3, arbitrary: shaped }, fc.jsonValue({ maxDepth: 3 }));
}

const body = (schema: z.ZodType | undefined) =>
  fc.oneof(
    { weight: 6, arbitrary: (schema ? inputFor(schema) : fc.jsonValue({ maxDepth: 3 })).map((input) => Buffer.from(JSON.stringify({ input }))) },
    fc.jsonValue({ maxDepth: 3 }).map((value) => Buffer.from(JSON.stringify(value))),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom('', '{', '{"input":', 'null', '[]', '{"input":1e999}', '{"__proto__":{"x":1},"input":{}}').map((text) => Buffer.from(text)),
  );

/** Pieces of odd paths: percent-encoding good and bad, traversal, brackets, non-ASCII. */
const oddPiece = fc.constantFrom('/', '//', '%', '%2', '%zz', '%00', '%2f', '%2e%2e/', '../', '%E0%A4%A', '%C0%AF', '%FF', '[', ']', '\\', '@', ':', ';', '#', 'é', '%C3%A9', '~', '*', 'a');

/** Usually the well-formed choice, so most cases get past the checks before the code they fuzz; sometimes one of the odd ones. */
function mostly<T>(usual: T, ...odd: T[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 8, arbitrary: fc.constant(usual) }, fc.constantFrom(...odd));
}

type Token = 'none' | 'valid' | 'wrong' | 'same length, other bytes' | 'twice';
const tokenChoice = mostly<Token>('valid', 'none', 'wrong', 'same length, other bytes', 'twice');

function query(token: Token): string {
  const valid = shell.token;
  return {
    none: '',
    valid: `?token=${valid}`,
    wrong: '?token=wrong',
    'same length, other bytes': `?token=${'%C3%A9'.repeat(32)}`,
    twice: `?token=x&token=${valid}`,
  }[token];
}

type Secret = 'none' | 'valid' | 'wrong' | 'same length, other bytes';
const secretChoice = mostly<Secret>('none', 'valid', 'wrong', 'same length, other bytes');

/** The token as a header carries it; header bytes are read as latin1, so 32 bytes above 0x7f are 32 characters of two UTF-8 bytes each. */
function secret(choice: Secret): Buffer | undefined {
  return { none: undefined, valid: Buffer.from(shell.token), wrong: Buffer.from('wrong'), 'same length, other bytes': Buffer.alloc(32, 0xe9) }[choice];
}

/** A header value: printable, latin1 bytes above 0x7f, or control characters (never CR or LF, which would change the framing). */
const headerValue = fc.oneof(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes.filter((b) => b !== 0x0d && b !== 0x0a))));

interface HttpCase {
  method: string;
  target: string;
  headers: [string, string | Buffer][];
  body: Buffer;
  chunked: boolean;
}

const httpCase: fc.Arbitrary<HttpCase> = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom(...methodRoutes) },
    fc.constantFrom(...otherRoutes).map((route) => ({ route, schema: undefined })),
  )
  .chain(({ route, schema }) =>
    fc.record({
      method: fc.oneof({ weight: 8, arbitrary: fc.constant(schema ? 'POST' : 'GET') }, fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'PRI'), fc.stringMatching(/^[A-Za-z]{1,8}$/)),
      path: fc.oneof({ weight: 8, arbitrary: fc.constant(route) }, fc.array(oddPiece, { minLength: 1, maxLength: 5 }).map((pieces) => route + pieces.join('')), fc.constantFrom('*', 'http://127.0.0.1/', '//[', 'x')),
      token: tokenChoice,
      host: mostly('port', 'localhost', 'evil.example', 'none', 'no port', 'twice'),
      origin: mostly('none', 'same', 'evil', 'null'),
      bearer: secretChoice,
      cookie: secretChoice,
      contentType: mostly('application/json', 'application/json; charset=utf-8', 'text/plain', 'none', 'application/jsonx'),
      extra: fc.oneof(
        { weight: 8, arbitrary: fc.constant([]) },
        fc.array(
          fc.oneof(
            fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), headerValue),
            fc.constantFrom<[string, string]>(['Expect', '100-continue'], ['Expect', 'bogus'], ['Transfer-Encoding', 'gzip'], ['Content-Length', '3'], ['Upgrade', 'h2c'], ['Accept-Encoding', 'gzip']),
          ),
          { minLength: 1, maxLength: 3 },
        ),
      ),
      body: body(schema),
      chunked: fc.boolean(),
    }),
  )
  .map((c) => {
    const headers: [string, string | Buffer][] = [];
    const port = shell.port;
    const hosts: Record<string, string[]> = { port: [`127.0.0.1:${port}`], localhost: [`localhost:${port}`], 'evil.example': [`evil.example:${port}`], none: [], 'no port': ['127.0.0.1'], twice: [`127.0.0.1:${port}`, `evil.example:${port}`] };
    for (const host of hosts[c.host]) headers.push(['Host', host]);
    const origins: Record<string, string | undefined> = { none: undefined, same: `http://127.0.0.1:${port}`, evil: 'http://evil.example', null: 'null' };
    if (origins[c.origin]) headers.push(['Origin', origins[c.origin]!]);
    const bearer = secret(c.bearer);
    if (bearer) headers.push(['Authorization', Buffer.concat([Buffer.from('Bearer '), bearer])]);
    const cookie = secret(c.cookie);
    if (cookie) headers.push(['Cookie', Buffer.concat([Buffer.from('theme=dark; fleetdeck-token='), cookie])]);
    if (c.contentType !== 'none') headers.push(['Content-Type', c.contentType]);
    headers.push(...c.extra);
    const target = c.path.startsWith('/') ? c.path + query(c.token) : c.path;
    return { method: c.method, target, headers, body: c.body, chunked: c.chunked };
  });

/** The case as bytes, framed by Content-Length or chunked encoding, asking the server to close after answering. */
function serialize(c: HttpCase): Buffer {
  const framing: [string, string][] = c.chunked ? [['Transfer-Encoding', 'chunked']] : [['Content-Length', String(c.body.length)]];
  const chunked = c.body.length ? Buffer.concat([Buffer.from(`${c.body.length.toString(16)}\r\n`), c.body, Buffer.from('\r\n0\r\n\r\n')]) : Buffer.from('0\r\n\r\n');
  return rawRequest(c.method, c.target, [...c.headers, ...framing, ['Connection', 'close']], c.chunked ? chunked : c.body);
}

type Mutation = { kind: 'truncate'; at: number } | { kind: 'set'; at: number; byte: number } | { kind: 'insert'; at: number; bytes: Uint8Array } | { kind: 'duplicate' | 'delete'; at: number; length: number };

/** Byte-level damage: truncation, changed and inserted bytes, duplicated and deleted slices. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 20 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
);

function mutate(bytes: Buffer, m: Mutation): Buffer {
  const at = bytes.length ? m.at % bytes.length : 0;
  switch (m.kind) {
    case 'truncate':
      return bytes.subarray(0, at);
    case 'set':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte]), bytes.subarray(at + 1)]);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes), bytes.subarray(at)]);
    case 'duplicate':
      return Buffer.concat([bytes.subarray(0, at + m.length), bytes.subarray(at)]);
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
  }
}

// --- WebSocket -------------------------------------------------------------------------------

const wsFrame = fc
  .record({
    opcode: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0x1, 0x2, 0x8, 0x9, 0xa) }, fc.integer({ min: 0, max: 15 })),
    payload: fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ maxLength: 100 }).map((text) => Buffer.from(text)),
      fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.uint8Array({ maxLength: 20 })).map(([code, reason]) => Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)])),
      fc.integer({ min: 1000, max: 5000 }).map((size) => Buffer.alloc(size, 'a')),
    ),
    fin: mostly(true, false),
    rsv: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 7 })),
    mask: mostly(true, false),
    length: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, fc.nat(70_000), fc.constantFrom(2 ** 32, 2 ** 53, 2 ** 63, 2 ** 64 - 2 ** 11)),
    cut: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, fc.nat()),
  })
  .map(({ length, cut, ...rest }) => {
    const bytes = frame({ ...rest, length: length ?? rest.payload.length });
    return cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
  });

const handshake = fc
  .record({
    path: mostly('/events', '/events/', '/eventsx', '/', '//['),
    token: tokenChoice,
    key: mostly('valid', 'missing', 'garbage'),
    version: mostly('13', '8', 'missing', 'abc'),
    extra: fc.array(fc.constantFrom<[string, string]>(['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'], ['Sec-WebSocket-Protocol', 'a, b'], ['Sec-WebSocket-Protocol', '\u00e9'], ['Origin', 'http://evil.example']), { maxLength: 1 }),
  })
  .map((h) => {
    const headers: [string, string][] = [['Host', `127.0.0.1:${shell.port}`], ['Upgrade', 'websocket'], ['Connection', 'Upgrade']];
    if (h.key !== 'missing') headers.push(['Sec-WebSocket-Key', h.key === 'valid' ? 'dGhlIHNhbXBsZSBub25jZQ==' : 'not a key']);
    if (h.version !== 'missing') headers.push(['Sec-WebSocket-Version', h.version]);
    return rawRequest('GET', h.path + query(h.token), [...headers, ...h.extra]);
  });

// --- properties ------------------------------------------------------------------------------

describe('web shell fuzzing', () => {
  it('answers every well-framed request with a success or a specific refusal', async () => {
    await fc.assert(
      fc.asyncProperty(httpCase, async (c) => {
        const answer = await exchange(shell.port, serialize(c));
        const status = finalStatus(answer);
        expect(refusals.has(status!) || status === 200, `status ${status} for ${c.method} ${c.target}`).toBe(true);
        if (status === 200 && c.method === 'POST' && c.target.startsWith('/rpc/')) {
          // a call's own refusal is a client error with its code, never internal
          const result = JSON.parse(answerBody(answer)) as { ok: boolean; error?: { code: string } };
          expect(result.ok || result.error?.code !== 'internal', answerBody(answer)).toBe(true);
        }
        await expectStillServing();
      }),
      budget(3_000),
    );
  }, 60_000);

  it('survives truncated, corrupted and reset requests', async () => {
    await fc.assert(
      fc.asyncProperty(httpCase, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.constantFrom<'end' | 'reset'>('end', 'reset'), async (c, mutations, then) => {
        const bytes = mutations.reduce(mutate, serialize(c));
        const status = finalStatus(await exchange(shell.port, bytes, then));
        expect(status === undefined || status === 200 || refusals.has(status), `status ${status}`).toBe(true);
        await expectStillServing();
      }),
      budget(3_000),
    );
  }, 60_000);

  it('survives random WebSocket handshakes and frames, closing a socket only with a valid close code', async () => {
    await fc.assert(
      fc.asyncProperty(handshake, fc.array(wsFrame, { maxLength: 4 }), fc.uint8Array({ maxLength: 30 }), async (hello, frames, trailing) => {
        const answer = await exchange(shell.port, Buffer.concat([hello, ...frames, Buffer.from(trailing)]), 'end');
        const status = finalStatus(answer);
        expect(status === 101 || refusals.has(status!), `status ${status}`).toBe(true);
        const code = status === 101 ? closeCode(answer) : undefined;
        expect(code === undefined || validCloseCode(code), `close code ${code}`).toBe(true);
        await expectStillServing();
      }),
      budget(3_000),
    );
  }, 60_000);
});
