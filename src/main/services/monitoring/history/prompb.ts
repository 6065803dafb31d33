// Prometheus's remote read and write messages (prompb/types.proto and remote.proto, the fields
// Fleetdeck uses), declared for protobufjs: the library encodes and decodes them.
import protobuf from 'protobufjs/light.js';

const label = { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } };

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        Label: label,
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        TimeSeries: { fields: { labels: { rule: 'repeated', type: 'Label', id: 1 }, samples: { rule: 'repeated', type: 'Sample', id: 2 } } },
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        LabelMatcher: {
          fields: { type: { type: 'MatchType', id: 1 }, name: { type: 'string', id: 2 }, value: { type: 'string', id: 3 } },
          nested: { MatchType: { values: { EQ: 0, NEQ: 1, RE: 2, NRE: 3 } } },
        },
        Query: {
          fields: {
            startTimestampMs: { type: 'int64', id: 1 },
            endTimestampMs: { type: 'int64', id: 2 },
            matchers: { rule: 'repeated', type: 'LabelMatcher', id: 3 },
          },
        },
        ReadRequest: {
          fields: { queries: { rule: 'repeated', type: 'Query', id: 1 }, acceptedResponseTypes: { rule: 'repeated', type: 'ResponseType', id: 2 } },
          nested: { ResponseType: { values: { SAMPLES: 0, STREAMED_XOR_CHUNKS: 1 } } },
        },
        Chunk: {
          fields: { minTimeMs: { type: 'int64', id: 1 }, maxTimeMs: { type: 'int64', id: 2 }, type: { type: 'Encoding', id: 3 }, data: { type: 'bytes', id: 4 } },
          nested: { Encoding: { values: { UNKNOWN: 0, XOR: 1, HISTOGRAM: 2, FLOAT_HISTOGRAM: 3 } } },
        },
        ChunkedSeries: { fields: { labels: { rule: 'repeated', type: 'Label', id: 1 }, chunks: { rule: 'repeated', type: 'Chunk', id: 2 } } },
        ChunkedReadResponse: { fields: { chunkedSeries: { rule: 'repeated', type: 'ChunkedSeries', id: 1 }, queryIndex: { type: 'int64', id: 2 } } },
      },
    },
  },
});

export interface Label {
  name: string;
  value: string;
}
export type MatchType = 'EQ' | 'NEQ' | 'RE' | 'NRE';
export interface LabelMatcher {
  type: MatchType;
  name: string;
  value: string;
}
export interface Chunk {
  minTimeMs: number;
  maxTimeMs: number;
  /** 1: XOR, the float encoding; histograms are 2 and 3 */
  type: number;
  data: Uint8Array;
}
export interface ChunkedSeries {
  labels: Label[];
  chunks: Chunk[];
}

const writeRequest = root.lookupType('prometheus.WriteRequest');
const readRequest = root.lookupType('prometheus.ReadRequest');
const chunkedReadResponse = root.lookupType('prometheus.ChunkedReadResponse');
const matchTypes = root.lookupEnum('prometheus.LabelMatcher.MatchType').values;

/**
 * Prometheus's staleness marker (the NaN 0x7ff0000000000002) as a number for a sample's value: it
 * keeps its bits held in an object, not in an array of numbers (the engine quiets a NaN stored there).
 */
export const STALE_NAN = (() => {
  const bits = new DataView(new ArrayBuffer(8));
  bits.setBigUint64(0, 0x7ff0000000000002n);
  return bits.getFloat64(0);
})();

/** A remote-write body before snappy: series with their samples in time order. */
export function encodeWriteRequest(timeseries: { labels: Label[]; samples: { value: number; timestamp: number }[] }[]): Uint8Array {
  return writeRequest.encode(writeRequest.fromObject({ timeseries })).finish();
}

/** A remote-read request for streamed XOR chunks, one query per matcher set. */
export function encodeReadRequest(queries: { start: number; end: number; matchers: LabelMatcher[] }[]): Uint8Array {
  const message = {
    queries: queries.map((q) => ({ startTimestampMs: q.start, endTimestampMs: q.end, matchers: q.matchers.map((m) => ({ type: matchTypes[m.type], name: m.name, value: m.value })) })),
    acceptedResponseTypes: [1],
  };
  return readRequest.encode(readRequest.fromObject(message)).finish();
}

/** One frame of a streamed remote-read answer. */
export function decodeChunkedReadResponse(frame: Uint8Array): { series: ChunkedSeries[]; queryIndex: number } {
  const message = chunkedReadResponse.toObject(chunkedReadResponse.decode(frame), { longs: Number, defaults: true }) as { chunkedSeries: ChunkedSeries[]; queryIndex: number };
  return { series: message.chunkedSeries, queryIndex: message.queryIndex };
}
