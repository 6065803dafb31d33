/** Error codes every transport carries unchanged from main to the caller. */
export const errorCodes = [
  'invalid-input',
  'not-found',
  'kubeconfig-invalid',
  'kubeconfig-not-found',
  'context-invalid',
  'unreachable',
  'tls',
  'unauthorized',
  'forbidden',
  'timeout',
  'gone',
  'exec-plugin-not-found',
  'exec-plugin-failed',
  /** a backup archive that is truncated, tampered with, of an unknown format, or whose passphrase is wrong */
  'archive-invalid',
  /** a request, response, file or archive entry larger than Fleetdeck accepts */
  'too-large',
  /** the target changed since it was read (a file edited on disk, an object written by someone else) */
  'conflict',
  /** the user (or the host shutting down) cancelled the work */
  'cancelled',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/**
 * The code of an HTTP answer that failed, the one place a status becomes a code (API servers,
 * Prometheus, Alertmanager alike). 429 and the gateway errors say the server cannot answer now.
 */
export function errorCodeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'invalid-input';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
    case 410:
      return 'gone';
    case 413:
      return 'too-large';
    case 429:
    case 502:
    case 503:
    case 504:
      return 'unreachable';
    default:
      return 'internal';
  }
}

/** The message of anything thrown, or of a failure as it crossed a boundary (`{code, message}`). */
export function messageOf(error: unknown): string {
  const message = typeof error === 'object' && error !== null && 'message' in error ? error.message : undefined;
  return typeof message === 'string' ? message : String(error);
}

export class FleetdeckError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'FleetdeckError';
    this.code = code;
  }
}

export interface WireError {
  code: ErrorCode;
  message: string;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof FleetdeckError) return { code: error.code, message: error.message };
  return { code: 'internal', message: messageOf(error) };
}

export function fromWireError(wire: WireError): FleetdeckError {
  const code = errorCodes.includes(wire.code) ? wire.code : 'internal';
  return new FleetdeckError(code, wire.message);
}
