import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFrames } from './frames.ts';
import { decodeChunkedReadResponse } from './prompb.ts';
import { decodeXorChunk } from './xor-chunk.ts';

// A streamed remote-read answer of the lab's Prometheus 2.42 (3 hours of two apiserver series),
// with what its query API answered for the same range: the decoders must agree with Prometheus.
const fixtures = path.join(import.meta.dirname, 'fixtures');
const answer = readFileSync(path.join(fixtures, 'remote-read.bin'));
const { start, end, expected } = JSON.parse(readFileSync(path.join(fixtures, 'remote-read.json'), 'utf8')) as { start: number; end: number; expected: Record<string, [number, string][]> };

async function* pieces(bytes: Buffer, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

let staleMarkers = 0;

async function series(size: number) {
  const found: Record<string, [number, number][]> = {};
  for await (const frame of readFrames(pieces(answer, size), 'Prometheus')) {
    for (const s of decodeChunkedReadResponse(frame).series) {
      const name = s.labels.find((l) => l.name === '__name__')!.value;
      for (const chunk of s.chunks) {
        expect(chunk.type).toBe(1);
        const { timestamps, values, stale } = decodeXorChunk(chunk.data);
        staleMarkers += stale.length;
        (found[name] ??= []).push(...timestamps.map((t, i): [number, number] => [t, values[i]]));
      }
    }
  }
  return found;
}

describe('a streamed remote-read answer', () => {
  it('decodes to the samples the query API shows, however the bytes arrive', async () => {
    for (const size of [answer.length, 7, 1]) {
      const found = await series(size);
      expect(Object.keys(found).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, values] of Object.entries(expected)) {
        // chunks reach past the asked range; a range selector [3h] at `end` holds (start, end]
        const read = found[name].filter(([t]) => t > start && t <= end);
        expect(read).toEqual(values.map(([t, v]) => [Math.round(t * 1000), Number(v)]));
      }
    }
    // the apiserver restarted with the lab in these hours: its series went stale once each time
    expect(staleMarkers).toBeGreaterThan(0);
  });

  it('refuses a frame whose checksum does not match, and an answer cut in a frame', async () => {
    const damaged = Buffer.from(answer);
    damaged[damaged.length - 1] ^= 1;
    const read = async (bytes: Buffer) => {
      for await (const _ of readFrames(pieces(bytes, 100), 'Prometheus'));
    };
    await expect(read(damaged)).rejects.toThrow('does not match its checksum');
    await expect(read(answer.subarray(0, answer.length - 3))).rejects.toThrow('ended in the middle of a frame');
  });
});
