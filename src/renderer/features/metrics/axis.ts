import type { PanelUnit } from '../../../shared/monitoring/dashboards.ts';

/** The smallest top a ratio axis shows (1 %): a ratio near 0 still reads as near 0 against it. */
export const RATIO_FLOOR = 0.01;

/**
 * The value axis of a chart: a ratio runs from 0 to a little over its largest value (at least
 * RATIO_FLOOR, at most 100 %); other units are left to the chart, which fits them to the data.
 */
export function valueDomain(unit: PanelUnit, values: Iterable<number>): [number, number] | undefined {
  if (unit !== 'ratio') return undefined;
  let max = 0;
  for (const v of values) if (Number.isFinite(v) && v > max) max = v;
  return [0, Math.min(1, Math.max(RATIO_FLOOR, max * 1.1))];
}
