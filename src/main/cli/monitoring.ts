import type { MonitoringService } from '../../shared/contract/monitoring.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { formatMatcher, parseMatchers, silenceMatchersProblem } from '../../shared/monitoring/matchers.ts';
import { parseDuration, seriesName } from '../../shared/monitoring/promql.ts';
import type { CommandResult } from './index.ts';
import { printable, table } from './table.ts';

const clusterErrors = (errors: { cluster: string; message: string }[]) => errors.map((e) => `${e.cluster}: ${e.message}`);

function seconds(flag: string, text: string): number {
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : parseDuration(text);
  if (!value || value <= 0) throw new FleetdeckError('invalid-input', `${flag} must be a duration like 90s, 15m, 1h or 7d, or seconds; got "${text}"`);
  return value;
}

/**
 * `fleetdeck query '<PromQL>' [--range 1h] [--step 60] [--context C]…`: the query on every
 * cluster's Prometheus at once; a failing cluster is reported beside the others' series.
 */
export async function queryCommand(monitoring: MonitoringService, args: string[], flags: { range?: string; step?: string; context?: string[]; json: boolean }): Promise<CommandResult> {
  if (args.length !== 1) throw new FleetdeckError('invalid-input', `query takes one PromQL expression (quote it), got ${args.length} arguments`);
  if (flags.step && !flags.range) throw new FleetdeckError('invalid-input', '--step needs --range (an instant query has no step)');
  const now = Date.now() / 1000;
  const range = flags.range ? { start: now - seconds('--range', flags.range), end: now, ...(flags.step ? { step: seconds('--step', flags.step) } : {}) } : undefined;
  const result = await monitoring.query({ query: args[0], ...(flags.context?.length ? { contexts: flags.context } : {}), ...(range ? { range } : {}) });
  const series = result.series.map((s) => ({ cluster: s.cluster, metric: s.metric, ...(range ? { values: (s.values ?? []).map(([t, v]) => [t, v]) } : { value: s.value }) }));
  const output = flags.json
    ? JSON.stringify({ series, errors: result.errors }, null, 2)
    : table(
        range ? ['CLUSTER', 'SERIES', 'POINTS', 'LAST'] : ['CLUSTER', 'SERIES', 'VALUE'],
        result.series.map((s) => (range ? [s.cluster, seriesName(s.metric), String(s.values?.length ?? 0), s.values?.at(-1)?.[1] ?? ''] : [s.cluster, seriesName(s.metric), s.value?.[1] ?? ''])),
      );
  // the query failing everywhere (bad PromQL, every Prometheus down) is a failure; some clusters failing is reported
  return { output, errors: clusterErrors(result.errors), exitCode: result.answered.length ? 0 : 1 };
}

/** `fleetdeck alerts [--context C]…`: every cluster's Alertmanager merged; the same alert from several clusters once. */
export async function alertsCommand(monitoring: MonitoringService, flags: { context?: string[]; json: boolean }): Promise<CommandResult> {
  const result = await monitoring.alerts(flags.context?.length ? { contexts: flags.context } : {});
  const alerts = result.alerts.map((a) => ({ clusters: a.clusters, labels: a.labels, annotations: a.annotations, state: a.state, startsAt: a.startsAt }));
  const output = flags.json
    ? JSON.stringify({ alerts, errors: result.errors }, null, 2)
    : table(
        ['ALERT', 'SEVERITY', 'STATE', 'CLUSTERS', 'SINCE', 'LABELS'],
        result.alerts.map((a) => {
          const { alertname = '', severity = '', ...rest } = a.labels;
          return [alertname, severity, a.state, a.clusters.join(','), a.startsAt, Object.entries(rest).map(([k, v]) => `${k}=${v}`).join(' ')];
        }),
      );
  return { output, errors: clusterErrors(result.errors), exitCode: result.answered.length ? 0 : 1 };
}

const silenceUsage = `silence create --context C… --matcher 'name="value"'… --comment TEXT [--duration 2h] [--author NAME]
silence expire --context C ID
silence list [--context C]…`;

/** `fleetdeck silence create|expire|list`. */
export async function silenceCommand(
  monitoring: MonitoringService,
  args: string[],
  flags: { context?: string[]; matcher?: string[]; comment?: string; duration?: string; author?: string; json: boolean },
): Promise<CommandResult> {
  const [action, ...rest] = args;
  switch (action) {
    case 'create': {
      if (!flags.context?.length) throw new FleetdeckError('invalid-input', 'silence create needs --context (repeatable): the clusters whose Alertmanager gets the silence');
      const matchers = (flags.matcher ?? []).flatMap((m) => {
        try {
          return parseMatchers(m);
        } catch (error) {
          throw new FleetdeckError('invalid-input', `--matcher: ${(error as Error).message}`);
        }
      });
      const problem = silenceMatchersProblem(matchers);
      if (problem) throw new FleetdeckError('invalid-input', `${problem} (--matcher 'alertname="KubePodCrashLooping"')`);
      if (!flags.comment?.trim()) throw new FleetdeckError('invalid-input', 'silence create needs --comment saying why');
      const minutes = Math.ceil(seconds('--duration', flags.duration ?? '2h') / 60);
      const result = await monitoring.createSilence({ contexts: flags.context, matchers, durationMinutes: minutes, createdBy: flags.author ?? process.env.USER ?? 'fleetdeck', comment: flags.comment });
      const output = flags.json ? JSON.stringify(result, null, 2) : table(['CLUSTER', 'SILENCE'], result.created.map((c) => [c.cluster, c.id]));
      return { output, errors: clusterErrors(result.errors), exitCode: result.errors.length ? (result.created.length ? 2 : 1) : 0 };
    }
    case 'expire': {
      if (flags.context?.length !== 1 || rest.length !== 1) throw new FleetdeckError('invalid-input', `usage: fleetdeck ${silenceUsage.split('\n')[1]}`);
      const expired = await monitoring.expireSilence({ context: flags.context[0], id: rest[0] });
      return { output: flags.json ? JSON.stringify(expired) : printable(`expired silence ${expired.id} on ${expired.cluster}`), errors: [], exitCode: 0 };
    }
    case 'list': {
      const result = await monitoring.silences(flags.context?.length ? { contexts: flags.context } : {});
      const output = flags.json
        ? JSON.stringify(result, null, 2)
        : table(['CLUSTER', 'ID', 'STATE', 'ENDS', 'MATCHERS', 'BY', 'COMMENT'], result.silences.map((s) => [s.cluster, s.id, s.state, s.endsAt, s.matchers.map(formatMatcher).join(','), s.createdBy, s.comment]));
      return { output, errors: clusterErrors(result.errors), exitCode: result.answered.length ? 0 : 1 };
    }
    default:
      throw new FleetdeckError('invalid-input', `unknown silence command "${action ?? ''}": expected create, expire or list (see fleetdeck --help)`);
  }
}

/** `fleetdeck rules deploy --context C [--namespace N] [--dry-run]`: the alert-rule pack as a PrometheusRule, by server-side apply. */
export async function rulesCommand(monitoring: MonitoringService, args: string[], flags: { context?: string[]; namespace?: string[]; dryRun: boolean; json: boolean }): Promise<CommandResult> {
  if (args[0] !== 'deploy' || args.length !== 1) throw new FleetdeckError('invalid-input', 'usage: fleetdeck rules deploy --context C [--namespace N] [--dry-run]');
  if (!flags.context?.length) throw new FleetdeckError('invalid-input', 'rules deploy needs --context (repeatable)');
  if ((flags.namespace?.length ?? 0) > 1) throw new FleetdeckError('invalid-input', 'rules deploy takes one --namespace');
  const results = [];
  for (const context of flags.context) results.push(await monitoring.deployRulePack({ context, dryRun: flags.dryRun, ...(flags.namespace?.[0] ? { namespace: flags.namespace[0] } : {}) }));
  const output = flags.json
    ? JSON.stringify(results, null, 2)
    : table(['CONTEXT', 'PROMETHEUSRULE', 'RESULT', 'RULES'], results.map((r) => [r.context, `${r.namespace}/${r.name}`, `${r.result}${r.dryRun ? ' (dry run)' : ''}`, String(r.rules.length)]));
  return { output, errors: [], exitCode: 0 };
}
