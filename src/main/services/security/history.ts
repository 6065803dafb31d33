// Each day's last audit of each cluster, kept in the data dir, so that an audit says what changed
// since an earlier day: findings that appeared, and those that went.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuditChanges } from '../../../shared/contract/security.ts';
import type { Finding } from '../../../shared/security/model.ts';
import { replaceFile, withFileLock } from '../../base/files.ts';

type Snapshot = Record<string, Finding[]>;

const DAY = /^(\d{4}-\d{2}-\d{2})\.json$/;
const identity = (f: Finding) => [f.context, f.check, f.namespace ?? '', f.kind, f.name].join('\u0000');

export class AuditHistory {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'security', 'audits');
  }

  private async read(day: string): Promise<Snapshot> {
    try {
      return JSON.parse(await readFile(path.join(this.dir, `${day}.json`), 'utf8')) as Snapshot;
    } catch {
      // none that day, or a file cut short: nothing to compare with
      return {};
    }
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
      for (const context of audited) snapshot[context] = findings.filter((f) => f.context === context);
      await replaceFile(path.join(this.dir, `${today}.json`), JSON.stringify(snapshot));
    });
    const earlier = (await readdir(this.dir)).flatMap((name) => DAY.exec(name)?.[1] ?? []).filter((day) => day < today).sort();
    for (const day of earlier.reverse()) {
      const before = await this.read(day);
      const compared = audited.filter((context) => before[context]);
      if (!compared.length) continue;
      const was = new Map(compared.flatMap((context) => before[context]).map((f) => [identity(f), f]));
      const is = new Map(findings.filter((f) => compared.includes(f.context)).map((f) => [identity(f), f]));
      return { since: day, contexts: compared, appeared: [...is].filter(([key]) => !was.has(key)).map(([, f]) => f), resolved: [...was].filter(([key]) => !is.has(key)).map(([, f]) => f) };
    }
    return undefined;
  }
}
