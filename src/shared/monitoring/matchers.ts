// Alertmanager label matchers: `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`.

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

function unquote(raw: string): string {
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) return JSON.parse(raw) as string;
  if (raw.startsWith('"')) throw new Error(`unterminated quote in ${raw}`);
  return raw;
}

const STARTS_MATCHER = /^\s+[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)/;
const HAS_OPERATOR = /(=~|!~|!=|=)/;

/** Splits into matchers at commas outside quotes, or at spaces that start a new matcher. */
function split(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && quoted) {
      current += ch + (text[++i] ?? '');
      continue;
    }
    if (ch === '"') quoted = !quoted;
    const boundary = !quoted && (ch === ',' || (/\s/.test(ch) && HAS_OPERATOR.test(current) && STARTS_MATCHER.test(text.slice(i))));
    if (boundary) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Parses `{a="b", c=~"d.*"}` or `a=b c!=d`-style lists (commas or spaces between matchers). Throws with the offending part. */
export function parseMatchers(text: string): Matcher[] {
  let body = text.trim();
  if (body.startsWith('{') && body.endsWith('}')) body = body.slice(1, -1);
  return split(body).map((part) => {
    const m = MATCHER.exec(part);
    if (!m) throw new Error(`"${part}" is not a matcher (expected name=value, name!=value, name=~regex or name!~regex)`);
    const [, name, op, raw] = m;
    const value = unquote(raw);
    const isRegex = op === '=~' || op === '!~';
    if (isRegex) {
      try {
        new RegExp(`^(?:${value})$`);
      } catch {
        throw new Error(`"${value}" in ${name} is not a valid regular expression`);
      }
    }
    return { name, value, isRegex, isEqual: op === '=' || op === '=~' };
  });
}

export function formatMatcher(m: Matcher): string {
  const op = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

/** Alertmanager's semantics: an absent label is the empty string; regexes are anchored. */
export function matches(labels: Record<string, string>, matcher: Matcher): boolean {
  const value = labels[matcher.name] ?? '';
  const hit = matcher.isRegex ? new RegExp(`^(?:${matcher.value})$`).test(value) : value === matcher.value;
  return hit === matcher.isEqual;
}

export const matchesAll = (labels: Record<string, string>, matchers: Matcher[]) => matchers.every((m) => matches(labels, m));

/** Why Alertmanager would refuse these matchers for a silence, or undefined when it accepts them. */
export function silenceMatchersProblem(matchers: Matcher[]): string | undefined {
  if (!matchers.length) return 'a silence needs at least one matcher';
  // Alertmanager refuses a silence that would match every alert
  if (matchers.every((m) => matches({}, m))) return 'these matchers all match the empty string, so the silence would silence every alert; add a matcher that names a value';
  return undefined;
}
