import { describe, expect, it } from 'vitest';
import { namespacesSelector } from '../../../../shared/monitoring/history.ts';
import { selectorMatchers } from './selector.ts';

describe('series selectors as remote-read matchers', () => {
  it('reads a metric name, each operator and each quote', () => {
    expect(selectorMatchers('up')).toEqual([{ type: 'EQ', name: '__name__', value: 'up' }]);
    expect(selectorMatchers(` container_cpu_usage_seconds_total{namespace="shop", pod=~'web-.*' ,container!="",  image!~\`.*pause.*\`, } `)).toEqual([
      { type: 'EQ', name: '__name__', value: 'container_cpu_usage_seconds_total' },
      { type: 'EQ', name: 'namespace', value: 'shop' },
      { type: 'RE', name: 'pod', value: 'web-.*' },
      { type: 'NEQ', name: 'container', value: '' },
      { type: 'NRE', name: 'image', value: '.*pause.*' },
    ]);
    expect(selectorMatchers('{__name__=~"kube_.+", job="x"}')).toEqual([
      { type: 'RE', name: '__name__', value: 'kube_.+' },
      { type: 'EQ', name: 'job', value: 'x' },
    ]);
  });

  it('unescapes as PromQL does', () => {
    expect(selectorMatchers(String.raw`{path="a\"b\\c\n", host='it\'s', re="\\d+\u00e9"}`).map((m) => m.value)).toEqual(['a"b\\c\n', "it's", '\\d+é']);
  });

  it('says plainly what it cannot read', () => {
    for (const bad of ['', '{}', 'up{', 'up{job}', 'up{job="x"', 'up{job=x}', 'up{job="x" env="y"}', 'up{job="\\q"}', 'rate(up[5m])', 'up extra']) {
      expect(() => selectorMatchers(bad), bad).toThrow(/cannot read the series selector/);
    }
  });

  it('selects the series of the migrated namespaces', () => {
    expect(selectorMatchers(namespacesSelector(['shop', 'shop-eu']))).toEqual([{ type: 'RE', name: 'namespace', value: 'shop|shop-eu' }]);
  });
});
