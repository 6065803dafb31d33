// The framing of a streamed remote-read answer (storage/remote/chunked.go): each frame is a
// uvarint length, the CRC32-Castagnoli of the message (4 bytes, big-endian), then the message.
import { crc32c } from '@aws-crypto/crc32c';
import { FleetdeckError } from '../../../../shared/errors.ts';

/** Prometheus sends a frame per series, cut at about 1 MB of chunks; anything much larger is not its answer. */
export const MAX_FRAME_BYTES = 64 * 2 ** 20;

/** The messages of a streamed answer, each checked against its CRC, as the bytes arrive. */
export async function* readFrames(body: AsyncIterable<Uint8Array>, where: string): AsyncGenerator<Uint8Array> {
  let buffer = Buffer.alloc(0);
  for await (const piece of body) {
    buffer = buffer.length ? Buffer.concat([buffer, piece]) : Buffer.from(piece);
    for (;;) {
      const header = frameHeader(buffer, where);
      if (!header || buffer.length < header.start + header.length) break;
      const message = buffer.subarray(header.start, header.start + header.length);
      if (crc32c(message) !== header.crc) throw new FleetdeckError('internal', `${where}: a frame of the streamed answer does not match its checksum`);
      buffer = buffer.subarray(header.start + header.length);
      yield message;
    }
  }
  if (buffer.length) throw new FleetdeckError('unreachable', `${where}: the streamed answer ended in the middle of a frame`);
}

function frameHeader(buffer: Buffer, where: string): { length: number; crc: number; start: number } | undefined {
  let length = 0;
  for (let i = 0, shift = 0; i < buffer.length && i < 10; i++, shift += 7) {
    length += (buffer[i] & 0x7f) * 2 ** shift;
    if (buffer[i] < 0x80) {
      if (length > MAX_FRAME_BYTES) throw new FleetdeckError('too-large', `${where}: a frame of the streamed answer is larger than ${MAX_FRAME_BYTES / 2 ** 20} MiB`);
      if (buffer.length < i + 5) return undefined;
      return { length, crc: buffer.readUInt32BE(i + 1), start: i + 5 };
    }
  }
  if (buffer.length >= 10) throw new FleetdeckError('internal', `${where}: the streamed answer is not framed as remote read frames are`);
  return undefined;
}
