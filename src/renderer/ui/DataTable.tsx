import { useState, type HTMLAttributes, type KeyboardEvent, type ReactNode } from 'react';
import { EmptyState } from './EmptyState.tsx';

export interface Column<Row> {
  header: ReactNode;
  /** the header's accessible name when it shows no text (an actions column) */
  label?: string;
  cell(row: Row): ReactNode;
  /** a CSS width (the table lays out its columns fixed) */
  width?: string;
  className?: string;
}

/**
 * A table with a sticky head and an empty state. Its rows are one tab stop: the arrow keys move
 * between them, Home and End to the first and last, Enter opens the focused row (onOpen).
 */
export function DataTable<Row>(props: {
  label: string;
  columns: Column<Row>[];
  rows: readonly Row[];
  /** a row's React key; the index serves rows that have no identity of their own */
  rowKey(row: Row, index: number): string;
  /** attributes of a row, such as data-* for tests or a class */
  rowProps?(row: Row): HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string>;
  onOpen?(row: Row): void;
  empty?: ReactNode;
  className?: string;
}) {
  const { label, columns, rows, rowKey, rowProps, onOpen, empty, className } = props;
  const [focused, setFocused] = useState(0);
  if (!rows.length && empty) return <EmptyState>{empty}</EmptyState>;
  const current = Math.min(focused, rows.length - 1);
  const onKeyDown = (e: KeyboardEvent<HTMLTableSectionElement>) => {
    const row = (e.target as HTMLElement).closest('tr');
    if (!row || row.parentElement !== e.currentTarget) return;
    const index = [...e.currentTarget.rows].indexOf(row);
    const next = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: rows.length - 1 }[e.key];
    if (next !== undefined) {
      e.preventDefault();
      e.currentTarget.rows[Math.max(0, Math.min(rows.length - 1, next))]?.focus();
    } else if (e.key === 'Enter' && e.target === row && onOpen) onOpen(rows[index]);
  };
  return (
    <table className={`grid${className ? ` ${className}` : ''}`} aria-label={label}>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i} style={c.width ? { width: c.width } : undefined} aria-label={c.label}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody onKeyDown={onKeyDown}>
        {rows.map((row, i) => {
          const extra = rowProps?.(row);
          return (
            <tr key={rowKey(row, i)} tabIndex={i === current ? 0 : -1} onFocus={(e) => e.target === e.currentTarget && setFocused(i)} onClick={onOpen && (() => onOpen(row))} {...extra}>
              {columns.map((c, j) => (
                <td key={j} className={c.className}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
