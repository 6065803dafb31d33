// RBAC checks: who holds cluster-admin or wildcard roles, who may read Secrets, bindings to
// subjects that do not exist or to anonymous users, and service-account tokens nobody needs.
import type { KubeObject } from '../kube-object.ts';
import { isSystemNamespace, ownerOf, someOf, type ClusterObjects, type Finding } from './model.ts';
import { podSpec } from './pods.ts';

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs?: string[];
}

interface Binding {
  object: KubeObject;
  roleRef: { kind: string; name: string };
  subjects: Subject[];
}

const ANONYMOUS = new Set(['system:anonymous', 'system:unauthenticated']);
/** A service account named as the user it authenticates as: the same identity. */
const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;
const asServiceAccount = (s: Subject): Subject => {
  const named = s.kind === 'User' ? SERVICE_ACCOUNT_USER.exec(s.name) : null;
  return named ? { kind: 'ServiceAccount', namespace: named[1], name: named[2] } : s;
};
/**
 * Subjects the control plane runs as: its users and groups ("system:" names the API server
 * reserves), and the service accounts of its namespaces. Not the groups of everyone: every
 * authenticated user, every service account, or those of a namespace that is not the system's.
 */
function systemSubject(s: Subject, namespace?: string): boolean {
  if (s.kind === 'ServiceAccount') return isSystemNamespace(s.namespace ?? namespace);
  if (s.kind === 'Group' && (s.name === 'system:authenticated' || s.name === 'system:serviceaccounts')) return false;
  if (s.kind === 'Group' && s.name.startsWith('system:serviceaccounts:')) return isSystemNamespace(s.name.slice('system:serviceaccounts:'.length));
  return s.name.startsWith('system:');
}
const shown = (s: Subject, namespace?: string) => (s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace ?? namespace}/${s.name}` : `${s.kind} ${s.name}`);

const bindingOf = (object: KubeObject): Binding => ({ object, roleRef: (object.roleRef ?? { kind: '', name: '' }) as Binding['roleRef'], subjects: ((object.subjects ?? []) as Subject[]).map(asServiceAccount) });
const has = (list: string[] | undefined, ...values: string[]) => values.some((v) => list?.includes(v));
/** Every verb, or every resource of every group or of the core group (Secrets included): not read access to one add-on's own resources, as the default view role aggregates. */
const wildcard = (rules: Rule[]) => rules.some((r) => has(r.verbs, '*') || (has(r.resources, '*') && has(r.apiGroups, '*', '')));
const readsSecrets = (rules: Rule[]) => rules.some((r) => has(r.apiGroups, '', '*') && has(r.resources, 'secrets', '*') && has(r.verbs, 'get', 'list', 'watch', '*'));
/** Only reads of URLs outside the API's resources (health, version, discovery): what the API server's own system: roles grant anonymous users. */
const publicInfoOnly = (rules: Rule[]) => rules.length > 0 && rules.every((r) => !r.resources?.length && r.nonResourceURLs?.length && r.verbs?.every((v) => v === 'get'));

/**
 * Verbs that let a subject give itself any permission (CIS Kubernetes 5.1.8): impersonating any
 * user or group, creating roles beyond what it holds (escalate) or bindings to them (bind).
 * Impersonating service accounts is left out: the default edit role does so in its namespace.
 */
const ESCALATING: Record<string, string[]> = { impersonate: ['users', 'groups', 'uids', 'userextras', '*'], escalate: ['roles', 'clusterroles', '*'], bind: ['roles', 'clusterroles', '*'] };
const escalations = (rules: Rule[]) => Object.keys(ESCALATING).filter((verb) => rules.some((r) => r.verbs?.includes(verb) && r.resources?.some((resource) => ESCALATING[verb].includes(resource.split('/')[0]))));

interface Grants {
  wildcard: boolean;
  readsSecrets: boolean;
  publicInfoOnly: boolean;
  /** the escalating verbs it grants */
  escalates: string[];
}

export function rbacFindings(objects: ClusterObjects): Omit<Finding, 'context'>[] {
  const findings: Omit<Finding, 'context'>[] = [];
  const clusterRoles = new Map(objects.clusterRoles.map((r) => [r.metadata.name, r]));
  const roles = new Map(objects.roles.map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r]));
  const serviceAccounts = new Set(objects.serviceAccounts.map((sa) => `${sa.metadata.namespace}/${sa.metadata.name}`));
  const bindings = [...objects.clusterRoleBindings, ...objects.roleBindings].map(bindingOf);
  const roleOf = (b: Binding) => (b.roleRef.kind === 'ClusterRole' ? clusterRoles.get(b.roleRef.name) : roles.get(`${b.object.metadata.namespace}/${b.roleRef.name}`));
  // a role's rules read once, however many bindings name it
  const granted = new Map<KubeObject, Grants>();
  const grantsOf = (role: KubeObject) => {
    let grants = granted.get(role);
    if (!grants) {
      const rules = (role.rules ?? []) as Rule[];
      grants = { wildcard: wildcard(rules), readsSecrets: readsSecrets(rules), publicInfoOnly: publicInfoOnly(rules), escalates: escalations(rules) };
      granted.set(role, grants);
    }
    return grants;
  };
  const nothing: Grants = { wildcard: false, readsSecrets: false, publicInfoOnly: false, escalates: [] };
  /** service accounts some binding names: their pods are likely to call the API */
  const boundAccounts = new Set<string>();

  for (const b of bindings) {
    const namespace = b.object.metadata.namespace;
    const where = { namespace: namespace ?? null, kind: b.object.kind, name: b.object.metadata.name };
    const role = roleOf(b);
    const grants = role ? grantsOf(role) : nothing;
    for (const s of b.subjects) if (s.kind === 'ServiceAccount') boundAccounts.add(`${s.namespace ?? namespace}/${s.name}`);
    const anonymous = b.subjects.filter((s) => ANONYMOUS.has(s.name));
    // a role's name is its author's choice too: the rules decide, the name only keeps a role someone made for anonymous users a finding
    if (anonymous.length && !(role?.metadata.name.startsWith('system:') && grants.publicInfoOnly)) {
      findings.push({ ...where, check: 'rbac.anonymous', severity: 'error', message: `grants ${b.roleRef.kind} ${b.roleRef.name} to ${someOf(anonymous.map((s) => s.name))}: anyone who reaches the API server without credentials gets it`, fix: 'remove these subjects from the binding; grant the role to authenticated users or groups only' });
    }
    const people = b.subjects.filter((s) => !systemSubject(s, namespace) && !ANONYMOUS.has(s.name));
    const who = someOf(people.map((s) => shown(s, namespace)));
    const scope = namespace ? `in ${namespace}` : 'in every namespace';
    let broad = false;
    if (people.length && b.roleRef.kind === 'ClusterRole' && b.roleRef.name === 'cluster-admin') {
      broad = true;
      findings.push({ ...where, check: 'rbac.cluster-admin', severity: 'error', message: `binds cluster-admin ${scope} to ${who}: full control, Secrets and RBAC included`, fix: 'bind a role with only the verbs and resources these subjects need; keep cluster-admin for break-glass accounts' });
    } else if (people.length && grants.wildcard) {
      broad = true;
      findings.push({ ...where, check: 'rbac.wildcard', severity: namespace ? 'warning' : 'error', message: `binds ${b.roleRef.kind} ${b.roleRef.name}, whose rules allow * (every verb or every resource, including those added later), ${scope} to ${who}`, fix: `list the verbs and resources ${b.roleRef.name} needs instead of *` });
    } else if (people.length && grants.escalates.length) {
      broad = true;
      findings.push({ ...where, check: 'rbac.escalation', severity: namespace ? 'warning' : 'error', message: `binds ${b.roleRef.kind} ${b.roleRef.name} ${scope} to ${who}; it allows ${grants.escalates.join(' and ')}, enough to grant oneself any permission (impersonating a member of system:masters, or binding cluster-admin)`, fix: `remove ${grants.escalates.join(' and ')} from ${b.roleRef.name}, or keep the binding for a break-glass account` });
    }
    if (people.length && !broad && grants.readsSecrets) {
      findings.push({ ...where, check: 'rbac.secret-readers', severity: 'info', message: `${who} may read Secrets ${scope} through ${b.roleRef.kind} ${b.roleRef.name}`, fix: 'grant get on the named Secrets the workload needs (resourceNames), not every Secret' });
    }
    // a name or label ("system:…", rbac-defaults) is the binding's author's choice: nothing above or below exempts a binding for it
    const missing = b.subjects.filter((s) => s.kind === 'ServiceAccount' && !systemSubject(s, namespace) && !serviceAccounts.has(`${s.namespace ?? namespace}/${s.name}`));
    if (missing.length) {
      findings.push({ ...where, check: 'rbac.missing-subject', severity: 'warning', message: `names ${someOf(missing.map((s) => shown(s, namespace)))}, which does not exist: whoever creates it later gets ${b.roleRef.kind} ${b.roleRef.name}`, fix: 'remove the subject from the binding, or delete the binding' });
    }
    if (!role && b.roleRef.name) {
      findings.push({ ...where, check: 'rbac.missing-role', severity: 'info', message: `refers to ${b.roleRef.kind} ${b.roleRef.name}, which does not exist: it grants nothing until a role of that name is created`, fix: 'delete the binding, or create the role it is meant for' });
    }
  }

  const automountOff = new Set(objects.serviceAccounts.filter((sa) => sa.automountServiceAccountToken === false).map((sa) => `${sa.metadata.namespace}/${sa.metadata.name}`));
  const seen = new Set<string>();
  for (const pod of objects.pods) {
    const namespace = pod.metadata.namespace ?? '';
    if (isSystemNamespace(namespace)) continue;
    const spec = podSpec(pod);
    const account = `${namespace}/${spec.serviceAccountName ?? 'default'}`;
    const mounted = spec.automountServiceAccountToken ?? !automountOff.has(account);
    const owner = ownerOf(pod);
    const key = `${namespace}/${owner.kind}/${owner.name}`;
    if (!mounted || boundAccounts.has(account) || seen.has(key)) continue;
    seen.add(key);
    findings.push({ namespace, kind: owner.kind, name: owner.name, check: 'rbac.automount-token', severity: 'info', message: `mounts the token of ServiceAccount ${account}, which no binding names: it probably does not call the API (a heuristic), yet a compromise hands the token out`, fix: 'set automountServiceAccountToken: false on the pod spec (or on the ServiceAccount)' });
  }
  return findings;
}
