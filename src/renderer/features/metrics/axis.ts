import type { PanelUnit } from '../../../shared/monitoring/dashboards.ts';

/** The smallest top a ratio axis shows (1 %): a ratio near 0 still reads as near 0 against it. */
export const RATIO_FLOOR = 0.01;

/** The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten) at or above x > 0: the axis's top tick reads plainly. */
function roundUp(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  return [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * power).find((v) => v >= x * (1 - 1e-9))!;
}

/**
 * The value axis of a chart: a ratio runs from 0 to a round number a little over its largest value
 * (at least RATIO_FLOOR, at most 100 %); other units are left to the chart, which fits them to the data.
 */
export function valueDomain(unit: PanelUnit, values: Iterable<number>): [number, number] | undefined {
  if (unit !== 'ratio') return undefined;
  let max = 0;
  for (const v of values) if (Number.isFinite(v) && v > max) max = v;
  return [0, Math.min(1, roundUp(Math.max(RATIO_FLOOR, max * 1.1)))];
}
