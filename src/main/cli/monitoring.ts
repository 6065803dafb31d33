import { alertsInput, createSilenceInput, deployRulePackInput, expireSilenceInput, historyCopyInput, queryInput, silencesInput } from '../../shared/contract/monitoring.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { exitCodeFor } from '../../shared/migration/report.ts';
import { formatMatcher, parseMatchers, silenceMatchersProblem } from '../../shared/monitoring/matchers.ts';
import { seriesName } from '../../shared/monitoring/promql.ts';
import type { HistoryReport } from '../../shared/monitoring/history.ts';
import { accepted, defineCommand, durationOption, noArguments, oneContext, pairs } from './command.ts';
import { printable, table } from './table.ts';

const clusterErrors = (errors: { cluster: string; message: string }[]) => errors.map((e) => `${e.cluster}: ${e.message}`);

/**
 * `fleetdeck query '<PromQL>' [--range 1h] [--step 60] [--context C]…`: the query on every
 * cluster's Prometheus at once; a failing cluster is reported beside the others' series.
 */
export const query = defineCommand({
  name: 'query',
  options: { range: { type: 'string' }, step: { type: 'string' } },
  prepare: ({ args, values, json }) => {
    if (args.length !== 1) throw new FleetdeckError('invalid-input', `query takes one PromQL expression (quote it), got ${args.length} arguments`);
    if (values.step && !values.range) throw new FleetdeckError('invalid-input', '--step needs --range (an instant query has no step)');
    const now = Date.now() / 1000;
    const range = values.range ? { start: now - durationOption('--range', values.range), end: now, ...(values.step ? { step: durationOption('--step', values.step) } : {}) } : undefined;
    const input = accepted('query', queryInput, { query: args[0], contexts: values.context, ...(range ? { range } : {}) }, { query: "'<PromQL>'", contexts: '--context', range: '--range', 'range.step': '--step' });
    return {
      contexts: values.context,
      run: async ({ monitoring }) => {
        const result = await monitoring.query(input);
        const series = result.series.map((s) => ({ cluster: s.cluster, metric: s.metric, ...(range ? { values: (s.values ?? []).map(([t, v]) => [t, v]) } : { value: s.value }) }));
        const output = json
          ? JSON.stringify({ series, errors: result.errors }, null, 2)
          : table(
              range ? ['CLUSTER', 'SERIES', 'POINTS', 'LAST'] : ['CLUSTER', 'SERIES', 'VALUE'],
              result.series.map((s) => (range ? [s.cluster, seriesName(s.metric), String(s.values?.length ?? 0), s.values?.at(-1)?.[1] ?? ''] : [s.cluster, seriesName(s.metric), s.value?.[1] ?? ''])),
            );
        // the query failing everywhere (bad PromQL, every Prometheus down) is a failure; some clusters failing is reported
        return { output, errors: clusterErrors(result.errors), exitCode: result.answered.length ? 0 : 1 };
      },
    };
  },
});

/** `fleetdeck alerts [--context C]…`: every cluster's Alertmanager merged; the same alert from several clusters once. */
export const alerts = defineCommand({
  name: 'alerts',
  options: {},
  prepare: ({ args, values, json }) => {
    noArguments('alerts', args);
    const input = accepted('alerts', alertsInput, { contexts: values.context }, { contexts: '--context' });
    return {
      contexts: values.context,
      run: async ({ monitoring }) => {
        const result = await monitoring.alerts(input);
        const alerts = result.alerts.map((a) => ({ clusters: a.clusters, labels: a.labels, annotations: a.annotations, state: a.state, startsAt: a.startsAt }));
        const output = json
          ? JSON.stringify({ alerts, errors: result.errors }, null, 2)
          : table(
              ['ALERT', 'SEVERITY', 'STATE', 'CLUSTERS', 'SINCE', 'LABELS'],
              result.alerts.map((a) => {
                const { alertname = '', severity = '', ...rest } = a.labels;
                return [alertname, severity, a.state, a.clusters.join(','), a.startsAt, Object.entries(rest).map(([k, v]) => `${k}=${v}`).join(' ')];
              }),
            );
        return { output, errors: clusterErrors(result.errors), exitCode: result.answered.length ? 0 : 1 };
      },
    };
  },
});

/** `fleetdeck silence create --context C… --matcher 'name="value"'… --comment TEXT [--duration 2h] [--author NAME]`: exit 2 when some clusters failed. */
const silenceCreate = defineCommand({
  name: 'silence create',
  options: { matcher: { type: 'string', multiple: true }, comment: { type: 'string' }, duration: { type: 'string', default: '2h' }, author: { type: 'string' } },
  prepare: ({ args, values, json }) => {
    noArguments('silence create', args);
    const matchers = (values.matcher ?? []).flatMap((m) => {
      try {
        return parseMatchers(m);
      } catch (error) {
        throw new FleetdeckError('invalid-input', `--matcher: ${(error as Error).message}`);
      }
    });
    const problem = silenceMatchersProblem(matchers);
    if (problem) throw new FleetdeckError('invalid-input', `${problem} (--matcher 'alertname="KubePodCrashLooping"')`);
    const input = accepted(
      'silence create',
      createSilenceInput,
      { contexts: values.context, matchers, durationMinutes: Math.ceil(durationOption('--duration', values.duration) / 60), createdBy: values.author ?? process.env.USER ?? 'fleetdeck', comment: values.comment },
      { contexts: '--context', matchers: '--matcher', durationMinutes: '--duration', createdBy: '--author', comment: '--comment' },
    );
    return {
      contexts: input.contexts,
      run: async ({ monitoring }) => {
        const result = await monitoring.createSilence(input);
        const output = json ? JSON.stringify(result, null, 2) : table(['CLUSTER', 'SILENCE'], result.created.map((c) => [c.cluster, c.id]));
        return { output, errors: clusterErrors(result.errors), exitCode: result.errors.length ? (result.created.length ? 2 : 1) : 0 };
      },
    };
  },
});

/** `fleetdeck silence expire --context C ID`. */
const silenceExpire = defineCommand({
  name: 'silence expire',
  options: {},
  prepare: ({ args, values, json }) => {
    if (args.length !== 1) throw new FleetdeckError('invalid-input', 'usage: fleetdeck silence expire --context C ID');
    const input = accepted('silence expire', expireSilenceInput, { context: oneContext('silence expire', values.context), id: args[0] }, { context: '--context', id: 'ID' });
    return {
      contexts: [input.context],
      run: async ({ monitoring }) => {
        const expired = await monitoring.expireSilence(input);
        return { output: json ? JSON.stringify(expired) : printable(`expired silence ${expired.id} on ${expired.cluster}`), errors: [], exitCode: 0 };
      },
    };
  },
});

/** `fleetdeck silence list [--context C]…`. */
const silenceList = defineCommand({
  name: 'silence list',
  options: {},
  prepare: ({ args, values, json }) => {
    noArguments('silence list', args);
    const input = accepted('silence list', silencesInput, { contexts: values.context }, { contexts: '--context' });
    return {
      contexts: values.context,
      run: async ({ monitoring }) => {
        const result = await monitoring.silences(input);
        const output = json
          ? JSON.stringify(result, null, 2)
          : table(['CLUSTER', 'ID', 'STATE', 'ENDS', 'MATCHERS', 'BY', 'COMMENT'], result.silences.map((s) => [s.cluster, s.id, s.state, s.endsAt, s.matchers.map(formatMatcher).join(','), s.createdBy, s.comment]));
        return { output, errors: clusterErrors(result.errors), exitCode: result.answered.length ? 0 : 1 };
      },
    };
  },
});

export const silence = [silenceCreate, silenceExpire, silenceList];

/** `fleetdeck rules deploy --context C… [--namespace N] [--dry-run]`: the alert-rule pack as a PrometheusRule, by server-side apply. */
export const rules = defineCommand({
  name: 'rules deploy',
  options: { namespace: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean', default: false } },
  prepare: ({ args, values, json }) => {
    noArguments('rules deploy', args);
    if (!values.context?.length) throw new FleetdeckError('invalid-input', 'rules deploy needs --context (repeatable)');
    if ((values.namespace?.length ?? 0) > 1) throw new FleetdeckError('invalid-input', 'rules deploy takes one --namespace');
    const inputs = values.context.map((context) => accepted('rules deploy', deployRulePackInput, { context, namespace: values.namespace?.[0], dryRun: values['dry-run'] }, { context: '--context', namespace: '--namespace' }));
    return {
      contexts: values.context,
      run: async ({ monitoring }) => {
        const results = [];
        for (const input of inputs) results.push(await monitoring.deployRulePack(input));
        const output = json
          ? JSON.stringify(results, null, 2)
          : table(['CONTEXT', 'PROMETHEUSRULE', 'RESULT', 'RULES'], results.map((r) => [r.context, `${r.namespace}/${r.name}`, `${r.result}${r.dryRun ? ' (dry run)' : ''}`, String(r.rules.length)]));
        return { output, errors: [], exitCode: 0 };
      },
    };
  },
});

/** A history copy as a person reads it. */
export function historyLines(report: HistoryReport, title = 'metrics copy'): string[] {
  const lines = [`${title}: ${report.state}${report.dryRun ? ' (dry run: nothing written)' : ''}`, `range ${report.range.start} → ${report.range.end}`];
  lines.push(report.dryRun ? `${report.series} series, about ${(report.estimatedSamples ?? 0).toLocaleString('en')} samples` : `${report.series} series, ${report.samples.toLocaleString('en')} samples in ${report.seconds.toFixed(1)} s`);
  for (const p of report.target.problems) lines.push(`target: ${p.problem}`, `  plain Prometheus: ${p.prometheus}`, `  prometheus-operator: ${p.operator}`);
  if (report.skipped.samples) lines.push(`skipped: ${report.skipped.samples.toLocaleString('en')} samples of ${report.skipped.series} series the target already had from then on (its own samples win)`);
  if (report.staleMarkers) lines.push(`staleness markers: ${report.staleMarkers} (the source's, and where a copied series ends with the range)`);
  if (report.verification) {
    const v = report.verification;
    lines.push(`verified: ${v.samplesMatched.toLocaleString('en')} samples of ${v.series} series read back identical${v.mismatches.length ? `; mismatches:` : ''}`, ...v.mismatches.map((m) => `  ${printable(m)}`));
  }
  if (report.error) lines.push(`error: ${printable(report.error)}`);
  return lines;
}

/**
 * `fleetdeck metrics copy --from-context A --to-context B --selector '<series selector>'… [--since 30d]
 * [--namespace-map a=b]… [--dry-run]`: the selected series' history read from A's Prometheus and
 * written into B's, verified; exit 0 Completed, 2 PartiallyFailed (mismatches), 1 Failed or refused.
 */
export const metricsCopy = defineCommand({
  name: 'metrics copy',
  options: { 'from-context': { type: 'string' }, 'to-context': { type: 'string' }, selector: { type: 'string', multiple: true }, since: { type: 'string', default: '30d' }, 'namespace-map': { type: 'string', multiple: true }, 'dry-run': { type: 'boolean', default: false } },
  prepare: ({ args, values, json }) => {
    noArguments('metrics copy', args);
    if (values.context) throw new FleetdeckError('invalid-input', 'metrics copy takes --from-context and --to-context, not --context');
    const input = accepted(
      'metrics copy',
      historyCopyInput,
      { fromContext: values['from-context'], toContext: values['to-context'], selectors: values.selector ?? [], sinceSeconds: Math.round(durationOption('--since', values.since)), namespaceMap: pairs(values['namespace-map'], 'namespace-map'), dryRun: values['dry-run'] },
      { fromContext: '--from-context', toContext: '--to-context', selectors: '--selector', sinceSeconds: '--since', namespaceMap: '--namespace-map' },
    );
    if (input.fromContext === input.toContext) throw new FleetdeckError('invalid-input', 'metrics copy needs two different contexts (--from-context, --to-context)');
    return {
      contexts: [input.fromContext, input.toContext],
      run: async ({ monitoring }) => {
        let last = '';
        const report = await monitoring.copyHistory(input, (p) => {
          const line = `${p.phase}${p.total ? ` ${p.done}/${p.total}` : ''}${p.detail ? ` · ${p.detail}` : ''}`;
          if (line !== last) process.stderr.write(`fleetdeck: ${printable(line)}\n`);
          last = line;
        });
        return { output: json ? JSON.stringify(report, null, 2) : historyLines(report).join('\n'), errors: [], exitCode: exitCodeFor(report.state) };
      },
    };
  },
});

