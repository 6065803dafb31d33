// Samples of a Prometheus XOR chunk (tsdb/chunkenc/xor.go, the Gorilla encoding), as remote read
// streams them: a 2-byte big-endian sample count, then a bit stream. The first sample is a signed
// varint timestamp and 64 raw value bits; the second a uvarint time delta and an XOR'd value; the
// others a delta-of-delta in one of five buckets and an XOR'd value. 64-bit words are kept as two
// 32-bit halves: BigInt would cost several times as much per sample. Staleness markers (a NaN with
// the payload 2) come apart from the values, as their times: an array of numbers cannot carry their
// exact bits (the engine quiets a signalling NaN stored in it), and they would be ordinary NaNs.

const float = new DataView(new ArrayBuffer(8));

class BitReader {
  private readonly bytes: Uint8Array;
  /** the next bit, counted from the first byte's highest bit */
  private position: number;

  constructor(bytes: Uint8Array, byteOffset: number) {
    this.bytes = bytes;
    this.position = byteOffset * 8;
  }

  bit(): number {
    const byte = this.bytes[this.position >>> 3];
    if (byte === undefined) throw new Error('the chunk ends before its last sample');
    const bit = (byte >>> (7 - (this.position & 7))) & 1;
    this.position++;
    return bit;
  }

  /** up to 32 bits, as an unsigned number */
  bits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) value = value * 2 + this.bit();
    return value;
  }

  byte(): number {
    return this.bits(8);
  }

  /** Go's binary.ReadUvarint over the bit stream */
  uvarint(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
      if (shift > 63) throw new Error('a varint in the chunk is longer than 64 bits');
    }
  }

  /** Go's binary.ReadVarint (zigzag) */
  varint(): number {
    const u = this.uvarint();
    return u % 2 ? -(u + 1) / 2 : u / 2;
  }
}

export interface Samples {
  timestamps: number[];
  values: number[];
  /** the times of the staleness markers, which are not among the samples */
  stale: number[];
}

/** Prometheus's staleness marker: 0x7ff0000000000002 */
const isStale = (hi: number, lo: number) => hi === 0x7ff00000 && lo === 2;

/** Every sample of one XOR chunk, in time order. */
export function decodeXorChunk(data: Uint8Array): Samples {
  if (data.length < 2) throw new Error('the chunk has no header');
  const count = (data[0] << 8) | data[1];
  const timestamps: number[] = [];
  const values: number[] = [];
  const stale: number[] = [];
  if (!count) return { timestamps, values, stale };
  const reader = new BitReader(data, 2);
  let t = reader.varint();
  // the value's bits as two halves, and the XOR window of the last value written with a new one
  let hi = reader.bits(32);
  let lo = reader.bits(32);
  let leading = 0;
  let trailing = 0;
  let delta = 0;
  const add = () => {
    if (isStale(hi, lo)) return void stale.push(t);
    float.setUint32(0, hi);
    float.setUint32(4, lo);
    timestamps.push(t);
    values.push(float.getFloat64(0));
  };
  add();
  for (let i = 1; i < count; i++) {
    if (i === 1) delta = reader.uvarint();
    else {
      let prefix = 0;
      while (prefix < 4 && reader.bit()) prefix++;
      const size = [0, 14, 17, 20, 64][prefix];
      let dod = 0;
      if (size === 64) {
        const high = reader.bits(32) | 0;
        dod = high * 2 ** 32 + reader.bits(32);
      } else if (size) {
        // two's complement in `size` bits (docs/bstream.md: a value above 2^(size-1) is negative)
        const bits = reader.bits(size);
        dod = bits > 2 ** (size - 1) ? bits - 2 ** size : bits;
      }
      delta += dod;
    }
    t += delta;
    if (reader.bit()) {
      if (reader.bit()) {
        leading = reader.bits(5);
        const significant = reader.bits(6) || 64;
        trailing = 64 - leading - significant;
      }
      // the significant bits, shifted left by `trailing`, are XOR'd into the previous value
      const significant = 64 - leading - trailing;
      let xorHi: number;
      let xorLo: number;
      if (significant > 32) {
        const high = reader.bits(significant - 32);
        const low = reader.bits(32);
        [xorHi, xorLo] = shiftLeft(high, low, trailing);
      } else [xorHi, xorLo] = shiftLeft(0, reader.bits(significant), trailing);
      hi = (hi ^ xorHi) >>> 0;
      lo = (lo ^ xorLo) >>> 0;
    }
    add();
  }
  return { timestamps, values, stale };
}

/** (high·2³² + low) << by, as halves; by < 64 and the result fits in 64 bits. */
function shiftLeft(high: number, low: number, by: number): [number, number] {
  if (by === 0) return [high >>> 0, low >>> 0];
  if (by >= 32) return [(low << (by - 32)) >>> 0, 0];
  return [((high << by) | (low >>> (32 - by))) >>> 0, (low << by) >>> 0];
}
