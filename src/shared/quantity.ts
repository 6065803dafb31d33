const suffixes: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Parses a Kubernetes resource quantity ("250m", "1.5", "128Mi", "1e3") to a number of base units. */
export function parseQuantity(quantity: string | number | undefined): number {
  if (quantity === undefined) return 0;
  if (typeof quantity === 'number') return quantity;
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(quantity.trim());
  if (!match || !(match[2] in suffixes)) throw new Error(`not a Kubernetes quantity: "${quantity}"`);
  return Number(match[1]) * suffixes[match[2]];
}

/** A size in messages: in MiB from 1 MiB, in KiB from 1 KiB, with one decimal unless whole; else in bytes. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes < size) continue;
    const value = bytes / size;
    return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
  }
  return `${bytes} bytes`;
}
