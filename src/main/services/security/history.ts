// Each day's last audit of each cluster, kept in the data dir, so that an audit says what changed
// since an earlier day: findings that appeared, and those that went.
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { AuditChanges } from '../../../shared/contract/security.ts';
import { severities, type Finding } from '../../../shared/security/model.ts';
import { readRegularFile, replaceFile, withFileLock } from '../../base/files.ts';

/** each context's findings; a Map, since a context may be named like one of Object's own properties */
type Snapshot = Map<string, Finding[]>;

/** A day of a fleet with thousands of findings is a few MB; a larger file is not one of ours. */
const MAX_DAY_BYTES = 64 * 2 ** 20;
const FIELDS = ['context', 'check', 'kind', 'name', 'message', 'fix'] as const;
const isFinding = (f: unknown): f is Finding => {
  const v = f as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && FIELDS.every((k) => typeof v[k] === 'string') && severities.includes(v.severity as Finding['severity']) && (v.namespace === null || typeof v.namespace === 'string');
};

const DAY = /^(\d{4}-\d{2}-\d{2})\.json$/;
const identity = (f: Finding) => [f.context, f.check, f.namespace ?? '', f.kind, f.name].join('\u0000');

export class AuditHistory {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'security', 'audits');
  }

  /** A day's findings; a file that is missing, cut short or not a regular file holds none, nor a context whose list is not of findings. */
  private async read(day: string): Promise<Snapshot> {
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readRegularFile(path.join(this.dir, `${day}.json`), MAX_DAY_BYTES, 'invalid-input', { noFollow: true })).toString('utf8'));
    } catch {
      return new Map();
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return new Map();
    return new Map(Object.entries(parsed).flatMap(([context, findings]) => (Array.isArray(findings) && findings.every(isFinding) ? [[context, findings] as const] : [])));
  }

  /**
   * Records today's findings of the audited contexts (those audited earlier today and not now are
   * kept) and compares them with the last earlier day that audited the same contexts.
   */
  async record(findings: Finding[], audited: string[], now = new Date()): Promise<AuditChanges | undefined> {
    const today = now.toISOString().slice(0, 10);
    await mkdir(this.dir, { recursive: true });
    await withFileLock(path.join(this.dir, '.lock'), 'the audit history', async () => {
      const snapshot = await this.read(today);
      for (const context of audited) snapshot.set(context, findings.filter((f) => f.context === context));
      await replaceFile(path.join(this.dir, `${today}.json`), JSON.stringify(Object.fromEntries(snapshot)));
    });
    const earlier = (await readdir(this.dir)).flatMap((name) => DAY.exec(name)?.[1] ?? []).filter((day) => day < today).sort();
    for (const day of earlier.reverse()) {
      const before = await this.read(day);
      const compared = audited.filter((context) => before.has(context));
      if (!compared.length) continue;
      const was = new Map(compared.flatMap((context) => before.get(context)!).map((f) => [identity(f), f]));
      const is = new Map(findings.filter((f) => compared.includes(f.context)).map((f) => [identity(f), f]));
      return { since: day, contexts: compared, appeared: [...is].filter(([key]) => !was.has(key)).map(([, f]) => f), resolved: [...was].filter(([key]) => !is.has(key)).map(([, f]) => f) };
    }
    return undefined;
  }
}
