// Prometheus's remote read (streamed XOR chunks) and remote write, through the one request
// function: a Prometheus at its own URL or behind the API server's service proxy alike.
import snappy from 'snappy';
import { errorCodeForStatus, FleetdeckError } from '../../../../shared/errors.ts';
import { kubeReadStream, kubeRequest, statusMessage } from '../../../kube/http.ts';
import { withRetries } from '../../../kube/retry.ts';
import type { Target } from '../endpoints.ts';
import { readFrames } from './frames.ts';
import { decodeChunkedReadResponse, encodeReadRequest, encodeWriteRequest, type ChunkedSeries, type Label, type LabelMatcher } from './prompb.ts';
import { decodeXorChunk } from './xor-chunk.ts';

/** A run of one series' samples in time order; a long series comes in several runs with the same labels. */
export interface SeriesRun {
  labels: Label[];
  timestamps: number[];
  values: number[];
  /** the times of the staleness markers in the range, which are not among the samples (xor-chunk.ts says why) */
  stale: number[];
}

/** A remote read may stay silent while Prometheus gathers the next series: a minute is generous. */
const READ_IDLE_MS = 60_000;

/**
 * The series matching a query between start and end (ms), handed to onRun as Prometheus streams
 * them: one run per frame (Prometheus cuts a series' chunks into frames of about 1 MB), samples
 * outside the range left out. The next frame is read once onRun is done with this one. Only float
 * chunks are read; a native histogram series is refused by name.
 */
export async function readSeries(target: Target, query: Query, onRun: (run: SeriesRun) => Promise<void>, signal?: AbortSignal): Promise<void> {
  await readChunks(target, query, (series, where) => onRun(runOf(series.labels, series.chunks, query, where)), signal);
}

/** The samples the query's series hold, from their chunks' headers without decoding them (a chunk reaching past the range counts whole). */
export async function countSamples(target: Target, query: Query, signal?: AbortSignal): Promise<number> {
  let count = 0;
  await readChunks(
    target,
    query,
    async (series) => {
      for (const chunk of series.chunks) if (chunk.maxTimeMs >= query.start && chunk.minTimeMs <= query.end && chunk.data.length >= 2) count += (chunk.data[0] << 8) | chunk.data[1];
    },
    signal,
  );
  return count;
}

type Query = { start: number; end: number; matchers: LabelMatcher[] };

async function readChunks(target: Target, query: Query, onSeries: (series: ChunkedSeries, where: string) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const where = `${target.location} (remote read)`;
  const body = snappy.compressSync(Buffer.from(encodeReadRequest([query])));
  const headers = { 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Read-Version': '0.1.0' };
  await kubeReadStream(target.kc, `${target.base}/api/v1/read`, { method: 'POST', body, contentType: 'application/x-protobuf', headers, idleMs: READ_IDLE_MS, ...(signal ? { signal } : {}) }, async (stream) => {
    for await (const frame of readFrames(stream, where)) {
      for (const series of decodeChunkedReadResponse(frame).series) await onSeries(series, where);
    }
  });
}

function runOf(labels: Label[], chunks: { type: number; data: Uint8Array }[], range: { start: number; end: number }, where: string): SeriesRun {
  const run: SeriesRun = { labels, timestamps: [], values: [], stale: [] };
  for (const chunk of chunks) {
    if (chunk.type !== 1) throw new FleetdeckError('invalid-input', `${where}: ${seriesName(labels)} is a native histogram, which Fleetdeck does not copy`);
    const { timestamps, values, stale } = decodeXorChunk(chunk.data);
    run.stale.push(...stale.filter((t) => t >= range.start && t <= range.end));
    for (let i = 0; i < timestamps.length; i++) {
      if (timestamps[i] < range.start || timestamps[i] > range.end) continue;
      run.timestamps.push(timestamps[i]);
      run.values.push(values[i]);
    }
  }
  return run;
}

export const seriesName = (labels: Label[]) => `${labels.find((l) => l.name === '__name__')?.value ?? ''}{${labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}="${l.value}"`).join(', ')}}`;

/** How long a batch is sent again while the target says "not now" (restarting, overloaded: 429, 5xx gateways). */
const WRITE_RETRY_MS = 60_000;

/**
 * Writes series through the target's remote-write receiver, retried while it cannot take them;
 * a refusal (400: out of bounds, a duplicate with another value) is final, with Prometheus's reason.
 */
export async function writeSeries(target: Target, timeseries: { labels: Label[]; samples: { value: number; timestamp: number }[] }[], signal?: AbortSignal): Promise<void> {
  const body = snappy.compressSync(Buffer.from(encodeWriteRequest(timeseries)));
  const send = () =>
    kubeRequest(target.kc, `${target.base}/api/v1/write`, {
      method: 'POST',
      body,
      contentType: 'application/x-protobuf',
      headers: { 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
      timeoutMs: 60_000,
      ...(signal ? { signal } : {}),
    });
  const answer = await withRetries(send, { retryForMs: WRITE_RETRY_MS });
  if (answer.status >= 200 && answer.status < 300) return;
  throw new FleetdeckError(errorCodeForStatus(answer.status), `${target.location} refused the remote write (HTTP ${answer.status}): ${statusMessage(answer.body).trim() || 'no reason given'}`);
}
