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
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

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
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

export function fromWireError(wire: WireError): FleetdeckError {
  const code = errorCodes.includes(wire.code) ? wire.code : 'internal';
  return new FleetdeckError(code, wire.message);
}
