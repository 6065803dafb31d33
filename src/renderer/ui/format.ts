/** How long ago `since` was, in the largest unit that keeps two digits: 45s, 12m, 5h, 3d. */
export function age(since: string | undefined, now = Date.now()): string {
  if (!since) return '';
  const s = Math.max(0, Math.round((now - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** A share of a total in whole percent; 0 of nothing is 0. */
export const percent = (used: number, total: number): number => (total ? Math.round((used / total) * 100) : 0);

/** Bytes as GiB with one decimal. */
export const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** A duration in its two largest units: 45 s, 12 min 3 s, 2 h 5 min. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`;
}

/** A count with its noun: 1 cluster, 3 clusters. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
