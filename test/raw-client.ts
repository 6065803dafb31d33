// Test helpers: raw HTTP and WebSocket bytes to the web shell, below what fetch and ws would let a test send.
import net from 'node:net';

/**
 * Writes the bytes on a new connection and resolves with everything the server sent until the
 * connection closed. After writing, the client waits for the server to close (`wait`: send
 * `Connection: close`), ends its sending side (`end`: Node's server then aborts a request still
 * being handled, or answers an incomplete one with 400), or resets the connection (`reset`).
 */
export function exchange(port: number, bytes: Buffer | string, then: 'wait' | 'end' | 'reset' = 'wait'): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // a reset or a refused write ends the exchange like a close: what was received is the answer
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(received)));
    if (then === 'reset') socket.write(bytes, () => socket.resetAndDestroy());
    else if (then === 'end') socket.end(bytes);
    else socket.write(bytes);
  });
}

/** The status of the final HTTP answer in bytes (1xx interim answers skipped), or undefined when there is none. */
export function finalStatus(answer: Buffer): number | undefined {
  const statuses = [...answer.toString('latin1').matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => Number(m[1]));
  return statuses.find((status) => status >= 200 || status === 101);
}

/** The body of the final HTTP answer in bytes, with a chunked transfer encoding undone. */
export function answerBody(answer: Buffer): string {
  let text = answer.toString('latin1');
  // interim answers (100 Continue) come first
  while (/^HTTP\/1\.1 1(?!01)\d\d /.test(text)) text = text.slice(text.indexOf('\r\n\r\n') + 4);
  const headEnd = text.indexOf('\r\n\r\n');
  let rest = text.slice(headEnd + 4);
  if (!/^transfer-encoding: *chunked\r?$/im.test(text.slice(0, headEnd))) return Buffer.from(rest, 'latin1').toString('utf8');
  let body = '';
  for (let size = parseInt(rest, 16); size > 0; size = parseInt(rest, 16)) {
    const start = rest.indexOf('\r\n') + 2;
    body += rest.slice(start, start + size);
    rest = rest.slice(start + size + 2);
  }
  return Buffer.from(body, 'latin1').toString('utf8');
}

/** An HTTP/1.1 request as bytes; header values may hold any bytes (Buffers are written as they are). */
export function rawRequest(method: string, target: string, headers: [string, string | Buffer][], body: Buffer | string = ''): Buffer {
  const lines = [Buffer.from(`${method} ${target} HTTP/1.1\r\n`, 'latin1')];
  for (const [name, value] of headers) lines.push(Buffer.from(`${name}: `, 'latin1'), Buffer.from(value), Buffer.from('\r\n'));
  return Buffer.concat([...lines, Buffer.from('\r\n'), Buffer.from(body)]);
}

/** The opening handshake of a WebSocket on /events (the key is the RFC 6455 example's). */
export function upgradeRequest(port: number, target = '/events', extraHeaders: [string, string | Buffer][] = []): Buffer {
  return rawRequest('GET', target, [
    ['Host', `127.0.0.1:${port}`],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ['Sec-WebSocket-Version', '13'],
    ...extraHeaders,
  ]);
}

/**
 * A WebSocket frame as a client would send it (`mask: false` breaks the rule that clients mask);
 * `length` overrides the length the header declares.
 */
export function frame({ opcode = 0x1, payload = Buffer.alloc(0), mask = true, fin = true, rsv = 0, length = payload.length }: { opcode?: number; payload?: Buffer; mask?: boolean; fin?: boolean; rsv?: number; length?: number }): Buffer {
  const head = [(fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0xf)];
  const maskBit = mask ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) head.push(maskBit | length);
  else if (length < 2 ** 16) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), extended, key, masked]);
}

/** The status code of the close frame the server sent after its 101 answer, if any (server frames are not masked). */
export function closeCode(answer: Buffer): number | undefined {
  let at = answer.indexOf('\r\n\r\n') + 4;
  while (at > 3 && at + 2 <= answer.length) {
    const opcode = answer[at] & 0x0f;
    let length = answer[at + 1] & 0x7f;
    let start = at + 2;
    if (length === 126 && start + 2 <= answer.length) {
      length = answer.readUInt16BE(start);
      start += 2;
    } else if (length === 127 && start + 8 <= answer.length) {
      length = Number(answer.readBigUInt64BE(start));
      start += 8;
    }
    if (opcode === 0x8) return length >= 2 && start + 2 <= answer.length ? answer.readUInt16BE(start) : undefined;
    at = start + length;
  }
  return undefined;
}
