import type { ContextConfig } from './context-config.ts';
import { FleetdeckError } from '../../shared/errors.ts';
import { classifyStatus, kubeOk, kubeRequest } from './http.ts';

export interface AccessQuestion {
  verb: string;
  resource: string;
  group?: string;
  namespace?: string;
  subresource?: string;
}

/** How Fleetdeck words a denial: "forbidden: delete pods in shop". */
export const forbiddenMessage = (q: AccessQuestion) =>
  `forbidden: ${q.verb} ${q.resource}${q.subresource ? `/${q.subresource}` : ''}${q.namespace ? ` in ${q.namespace}` : ' at cluster scope'}`;

/** Asks the API server (SelfSubjectAccessReview) whether the context's user may do something. */
export async function canI(kc: ContextConfig, q: AccessQuestion): Promise<boolean> {
  const body = await kubeOk(kc, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    method: 'POST',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: q.verb, resource: q.resource, group: q.group ?? '', namespace: q.namespace, subresource: q.subresource } },
    },
  });
  return (JSON.parse(body) as { status?: { allowed?: boolean } }).status?.allowed === true;
}

/** Sends a write and turns a 403 into Fleetdeck's own wording. */
export async function write(kc: ContextConfig, q: AccessQuestion, path: string, options: { method: string; body?: unknown; contentType?: string }): Promise<void> {
  const res = await kubeRequest(kc, path, options);
  if (res.status === 403) throw new FleetdeckError('forbidden', forbiddenMessage(q));
  if (res.status >= 300) throw classifyStatus(res.status, res.body, `${options.method} ${path}`);
}
