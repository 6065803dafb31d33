// A PromQL series selector (`name{label op "value", …}`) as the label matchers of a remote-read
// query. Prometheus checks the selector first (its own error reaches the user); this reads the
// selectors Prometheus accepts, and says so plainly for the rare one it cannot (an unusual escape).
import { FleetdeckError } from '../../../../shared/errors.ts';
import type { LabelMatcher, MatchType } from './prompb.ts';

const OPERATORS: Record<string, MatchType> = { '=': 'EQ', '!=': 'NEQ', '=~': 'RE', '!~': 'NRE' };
const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', "'": "'", n: '\n', t: '\t', r: '\r' };

/** A quoted string at the start of text (double, single or back quotes) and how long it is; undefined when it is not one. */
function quoted(text: string): { value: string; length: number } | undefined {
  const quote = text[0];
  if (quote === '`') {
    const end = text.indexOf('`', 1);
    return end < 0 ? undefined : { value: text.slice(1, end), length: end + 1 };
  }
  if (quote !== '"' && quote !== "'") return undefined;
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (c === quote) return { value, length: i + 1 };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const escaped = text[++i];
    if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
      value += String.fromCharCode(parseInt(text.slice(i + 1, i + 5), 16));
      i += 4;
    } else if (escaped !== undefined && ESCAPES[escaped] !== undefined) value += ESCAPES[escaped];
    else return undefined;
  }
  return undefined;
}

/** The matchers of a selector; a metric name becomes `__name__="…"`. */
export function selectorMatchers(selector: string): LabelMatcher[] {
  const fail = (): never => {
    throw new FleetdeckError('invalid-input', `Fleetdeck cannot read the series selector ${JSON.stringify(selector)} (write it as name{label="value", …} with plain escapes)`);
  };
  let rest = selector.trim();
  const matchers: LabelMatcher[] = [];
  const name = METRIC.exec(rest)?.[0];
  if (name) {
    matchers.push({ type: 'EQ', name: '__name__', value: name });
    rest = rest.slice(name.length).trimStart();
  }
  if (rest.startsWith('{')) {
    rest = rest.slice(1).trimStart();
    while (!rest.startsWith('}')) {
      const label = LABEL.exec(rest)?.[0] ?? fail();
      rest = rest.slice(label.length).trimStart();
      const operator = ['=~', '!~', '!=', '='].find((op) => rest.startsWith(op)) ?? fail();
      rest = rest.slice(operator.length).trimStart();
      const value = quoted(rest) ?? fail();
      matchers.push({ type: OPERATORS[operator], name: label, value: value.value });
      rest = rest.slice(value.length).trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
      else if (!rest.startsWith('}')) fail();
    }
    rest = rest.slice(1).trimStart();
  }
  if (rest || !matchers.length) fail();
  return matchers;
}
