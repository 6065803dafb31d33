// What every benchmark prints with: percentiles of samples, and aligned rows of measure, ours, peer or budget, ratio.
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

/** A row printer with the given column widths. */
export const rowPrinter =
  (name: number, ours: number, peer: number) =>
  (measure: string, value: string, peerOrBudget = '', ratio = '') =>
    console.log(`${measure.padEnd(name)} ${value.padStart(ours)} ${peerOrBudget.padStart(peer)}  ${ratio}`);
