import { describe, expect, it } from 'vitest';
import { filterAlerts, groupAlerts, mergeAlerts, type AlertmanagerAlert } from './alerts.ts';
import { matches, parseMatchers, silenceMatchersProblem } from './matchers.ts';
import { chooseStep, labelSeries, MAX_POINTS, parseDuration, seriesName, type PromData } from './promql.ts';
import { receiversFor, routeTree } from './routing.ts';

describe('PromQL helpers', () => {
  it('parses Prometheus durations', () => {
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('7d')).toBe(604800);
    expect(parseDuration('1.5h')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('chooses a step that keeps every series under 11,000 points', () => {
    for (const range of [900, 3600, 86400, 30 * 86400, 365 * 86400]) {
      const step = chooseStep(range);
      expect(Math.floor(range / step) + 1).toBeLessThanOrEqual(MAX_POINTS);
      // an asked-for step that is too fine is raised
      expect(Math.floor(range / chooseStep(range, 1)) + 1).toBeLessThanOrEqual(MAX_POINTS);
    }
    expect(chooseStep(3600)).toBe(15);
    expect(chooseStep(3600, 60)).toBe(60);
  });

  it('labels series by cluster, keeping a cluster label Prometheus already set', () => {
    const vector: PromData = { resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'a' }, value: [1, '1'] }, { metric: { __name__: 'up', cluster: 'prod-eu' }, value: [1, '0'] }] };
    const series = labelSeries('ctx', vector);
    expect(series.map((s) => s.metric.cluster)).toEqual(['ctx', 'prod-eu']);
    expect(series.every((s) => s.cluster === 'ctx')).toBe(true);
    expect(labelSeries('ctx', vector, 'ext')[0].metric.cluster).toBe('ext');
    expect(labelSeries('ctx', { resultType: 'scalar', result: [1, '2'] })).toEqual([{ cluster: 'ctx', metric: { cluster: 'ctx' }, value: [1, '2'] }]);
    expect(seriesName({ __name__: 'up', job: 'x', cluster: 'c', a: 'b' })).toBe('up{cluster="c", a="b", job="x"}');
  });
});

describe('matchers', () => {
  it('parses every operator, quoted or not, in braces or not', () => {
    expect(parseMatchers('{alertname="KubePodCrashLooping", namespace=~"shop|pay"}')).toEqual([
      { name: 'alertname', value: 'KubePodCrashLooping', isRegex: false, isEqual: true },
      { name: 'namespace', value: 'shop|pay', isRegex: true, isEqual: true },
    ]);
    expect(parseMatchers('severity!=info team!~"a,b"')).toEqual([
      { name: 'severity', value: 'info', isRegex: false, isEqual: false },
      { name: 'team', value: 'a,b', isRegex: true, isEqual: false },
    ]);
    expect(() => parseMatchers('alertname')).toThrow(/not a matcher/);
    expect(() => parseMatchers('a=~"("')).toThrow(/regular expression/);
  });

  it('matches as Alertmanager does: anchored regexes, absent labels are empty', () => {
    const [regex] = parseMatchers('pod=~"web-.*"');
    expect(matches({ pod: 'web-1' }, regex)).toBe(true);
    expect(matches({ pod: 'xweb-1' }, regex)).toBe(false);
    const [absent] = parseMatchers('team=""');
    expect(matches({}, absent)).toBe(true);
  });

  it('refuses silences without matchers or matching everything', () => {
    expect(silenceMatchersProblem([])).toMatch(/at least one matcher/);
    expect(silenceMatchersProblem(parseMatchers('alertname=~".*"'))).toMatch(/every alert/);
    expect(silenceMatchersProblem(parseMatchers('alertname="X"'))).toBeUndefined();
  });
});

const alert = (labels: Record<string, string>, state: AlertmanagerAlert['status']['state'] = 'active', extra: Partial<AlertmanagerAlert['status']> = {}, startsAt = '2026-11-26T10:00:00Z'): AlertmanagerAlert => ({
  labels,
  annotations: { summary: labels.alertname ?? '' },
  startsAt,
  fingerprint: Object.values(labels).join('-'),
  status: { state, silencedBy: [], inhibitedBy: [], ...extra },
});

describe('merged alerts', () => {
  const crash = { alertname: 'KubePodCrashLooping', namespace: 'shop', severity: 'warning' };
  const merged = mergeAlerts([
    { cluster: 'aks', alerts: [alert({ ...crash, cluster: 'aks' }), alert({ alertname: 'KubeNodeNotReady', node: 'n1', severity: 'critical', cluster: 'aks' }, 'suppressed', { silencedBy: ['s1'] })] },
    { cluster: 'gke', alerts: [alert({ ...crash, cluster: 'gke' }, 'suppressed', { inhibitedBy: ['x'] }, '2026-11-26T09:00:00Z')] },
  ]);

  it('shows an alert with the same labels once, with every source', () => {
    expect(merged).toHaveLength(2);
    const [first, second] = merged;
    expect(first.labels).toEqual(crash);
    expect(first.clusters).toEqual(['aks', 'gke']);
    expect(first.sources.map((s) => [s.cluster, s.state])).toEqual([['aks', 'active'], ['gke', 'suppressed']]);
    // active anywhere is active; the earliest start wins
    expect(first.state).toBe('active');
    expect(first.startsAt).toBe('2026-11-26T09:00:00Z');
    expect(second.state).toBe('silenced');
  });

  it('filters by matchers (cluster included) and state, and groups by a label or by cluster', () => {
    expect(filterAlerts(merged, parseMatchers('cluster="gke"')).map((a) => a.labels.alertname)).toEqual(['KubePodCrashLooping']);
    expect(filterAlerts(merged, [], ['silenced'])).toHaveLength(1);
    expect(groupAlerts(merged, 'cluster').map((g) => [g.key, g.alerts.length])).toEqual([['aks', 2], ['gke', 1]]);
    expect(groupAlerts(merged, 'severity').map((g) => g.key)).toEqual(['warning', 'critical']);
    expect(groupAlerts(merged, 'namespace').map((g) => g.key)).toEqual(['shop', '(no namespace)']);
  });
});

describe('routing', () => {
  const tree = routeTree({
    route: {
      receiver: 'default',
      group_by: ['alertname'],
      routes: [
        { matchers: ['team="platform"'], receiver: 'platform', continue: true },
        { match: { severity: 'critical' }, receiver: 'pager' },
        { match_re: { namespace: 'shop|pay' }, routes: [{ matchers: ['severity="warning"'], receiver: 'apps-warn' }] },
      ],
    },
  })!;

  it('walks the tree as Alertmanager does (first match, continue, inherited receiver)', () => {
    expect(receiversFor(tree, { team: 'platform', severity: 'critical' })).toEqual(['platform', 'pager']);
    expect(receiversFor(tree, { namespace: 'shop', severity: 'warning' })).toEqual(['apps-warn']);
    expect(receiversFor(tree, { namespace: 'shop', severity: 'info' })).toEqual(['default']);
    expect(receiversFor(tree, { namespace: 'other' })).toEqual(['default']);
    expect(tree.routes[2].groupBy).toEqual(['alertname']);
  });
});
