// Alertmanager's routing tree as /api/v2/status reports it, and which receiver an alert reaches.
import { formatMatcher, matchesAll, parseMatchers, type Matcher } from './matchers.ts';

export interface RouteNode {
  receiver: string;
  matchers: Matcher[];
  continue: boolean;
  groupBy: string[];
  routes: RouteNode[];
}

interface RawRoute {
  receiver?: string;
  group_by?: string[];
  continue?: boolean;
  match?: Record<string, string>;
  match_re?: Record<string, string>;
  matchers?: string[];
  routes?: RawRoute[];
}

/** The route tree of a parsed alertmanager.yml; children inherit receiver and grouping. */
export function routeTree(config: { route?: RawRoute }): RouteNode | undefined {
  const build = (raw: RawRoute, parent?: RouteNode): RouteNode => {
    const matchers: Matcher[] = [
      ...Object.entries(raw.match ?? {}).map(([name, value]) => ({ name, value: String(value), isRegex: false, isEqual: true })),
      ...Object.entries(raw.match_re ?? {}).map(([name, value]) => ({ name, value: String(value), isRegex: true, isEqual: true })),
      ...(raw.matchers ?? []).flatMap((m) => parseMatchers(m)),
    ];
    const node: RouteNode = { receiver: raw.receiver ?? parent?.receiver ?? '', matchers, continue: raw.continue ?? false, groupBy: raw.group_by ?? parent?.groupBy ?? [], routes: [] };
    node.routes = (raw.routes ?? []).map((child) => build(child, node));
    return node;
  };
  return config.route ? build(config.route) : undefined;
}

/** The receivers an alert with these labels is sent to, as Alertmanager walks the tree. */
export function receiversFor(route: RouteNode, labels: Record<string, string>): string[] {
  const walk = (node: RouteNode): string[] => {
    const found: string[] = [];
    for (const child of node.routes) {
      if (!matchesAll(labels, child.matchers)) continue;
      found.push(...walk(child));
      if (!child.continue) break;
    }
    return found.length ? found : [node.receiver];
  };
  return [...new Set(walk(route))];
}

export const describeMatchers = (matchers: Matcher[]) => (matchers.length ? matchers.map(formatMatcher).join(', ') : 'every alert');
