import { useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useClusterColor } from '../../app/cluster-color.ts';
import { formatValue, type PanelUnit } from '../../../shared/monitoring/dashboards.ts';
import type { Series } from '../../../shared/monitoring/promql.ts';
import { valueDomain } from './axis.ts';
import type { MoveMarker } from './moves.ts';

export interface ChartLine {
  key: string;
  label: string;
  cluster: string;
  dashed?: boolean;
  series: Series;
}

const time = (t: number, spanSeconds: number) => new Date(t * 1000).toLocaleString(undefined, spanSeconds > 172800 ? { month: 'short', day: 'numeric', hour: '2-digit' } : { hour: '2-digit', minute: '2-digit' });

/** Lines sharing one time axis; a legend click hides or shows a line; a vertical marker at each move. */
export function TimeSeriesChart({ lines, unit, spanSeconds, height = 200, markers = [] }: { lines: ChartLine[]; unit: PanelUnit; spanSeconds: number; height?: number; markers?: MoveMarker[] }) {
  const clusterColor = useClusterColor();
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const data = useMemo(() => {
    const rows = new Map<number, Record<string, number>>();
    for (const line of lines) {
      for (const [t, v] of line.series.values ?? []) {
        let row = rows.get(t);
        if (!row) rows.set(t, (row = { t }));
        row[line.key] = Number(v);
      }
    }
    return [...rows.values()].sort((a, b) => a.t - b.t);
  }, [lines]);
  const domain = useMemo(() => valueDomain(unit, lines.flatMap((l) => (l.series.values ?? []).map(([, v]) => Number(v)))), [lines, unit]);
  const toggle = (key: string) => setHidden((h) => (h.has(key) ? new Set([...h].filter((k) => k !== key)) : new Set([...h, key])));
  if (!lines.length) return <div className="chart-empty muted">no data</div>;
  return (
    <ResponsiveContainer width="100%" height={height}>
      <LineChart data={data} margin={{ top: 6, right: 12, bottom: 0, left: 4 }}>
        <CartesianGrid stroke="#2a313c" strokeDasharray="3 3" />
        <XAxis dataKey="t" type="number" domain={[(data.at(-1)?.t ?? 0) - spanSeconds, 'dataMax']} allowDataOverflow tickFormatter={(t: number) => time(t, spanSeconds)} stroke="#8b96a5" fontSize={11} minTickGap={40} />
        <YAxis stroke="#8b96a5" fontSize={11} width={72} domain={domain} tickFormatter={(v: number) => formatValue(v, unit)} />
        <Tooltip
          contentStyle={{ background: '#161b22', border: '1px solid #2a313c', fontSize: 12 }}
          labelFormatter={(t) => new Date(Number(t) * 1000).toLocaleString()}
          formatter={(v, name) => [formatValue(Number(v), unit), lines.find((l) => l.key === name)?.label ?? String(name)]}
        />
        <Legend
          wrapperStyle={{ fontSize: 12, cursor: 'pointer' }}
          onClick={(entry) => toggle(String(entry.dataKey))}
          formatter={(value: string) => <span style={{ opacity: hidden.has(value) ? 0.4 : 1 }}>{lines.find((l) => l.key === value)?.label ?? value}</span>}
        />
        {markers.map((m) => (
          <ReferenceLine key={`${m.context} ${m.t}`} className="move-marker" x={m.t} ifOverflow="extendDomain" stroke={clusterColor(m.context)} strokeDasharray="4 3" label={{ value: m.label, position: 'insideTopRight', fill: '#c9d1d9', fontSize: 11 }} />
        ))}
        {lines.map((line) => (
          <Line key={line.key} dataKey={line.key} hide={hidden.has(line.key)} stroke={clusterColor(line.cluster)} strokeDasharray={line.dashed ? '5 4' : undefined} dot={false} isAnimationActive={false} connectNulls strokeWidth={1.6} />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}
