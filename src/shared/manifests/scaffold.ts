// A multi-cloud GitOps repository to start from: a base, one overlay per cloud with the patches
// that differ (storage class, internal load balancer, ingress class, taken from the cloud profiles),
// Argo CD and Flux wiring, default-deny NetworkPolicies, and a CI workflow that validates and renders.
import { stringify } from 'yaml';
import { cloudProfiles, type ManagedCloud } from '../cloud-profiles.ts';

export interface ScaffoldOptions {
  /** the application's name; also its namespace */
  name: string;
  /** the Git URL Argo CD and Flux pull from */
  repoURL: string;
}

export const defaultScaffoldOptions = (name = 'shop'): ScaffoldOptions => ({ name, repoURL: `https://github.com/example/${name}-gitops.git` });

/** The application name a folder suggests: "Shop GitOps" → "shop-gitops". */
export function nameFromFolder(folder: string): string | undefined {
  return folder.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[-0-9]+|-+$/g, '') || undefined;
}

const clouds = Object.keys(cloudProfiles) as ManagedCloud[];

// objects share their labels: written out in full, never as YAML anchors and aliases
const yaml = (...objects: object[]) => objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');

export function validateAppName(name: string): string | undefined {
  return /^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/.test(name) ? undefined : `"${name}" is not a valid name: use lowercase letters, digits and dashes (a DNS label, at most 42 characters)`;
}

/** Every file of the repository, path → content. */
export function scaffoldFiles(options: ScaffoldOptions): Record<string, string> {
  const { name, repoURL } = options;
  const labels = { 'app.kubernetes.io/name': name };
  const files: Record<string, string> = {};

  files['base/kustomization.yaml'] = yaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: name,
    labels: [{ pairs: { 'app.kubernetes.io/part-of': name }, includeSelectors: false }],
    resources: ['namespace.yaml', 'deployment.yaml', 'service.yaml', 'ingress.yaml', 'pvc.yaml', 'pdb.yaml', 'networkpolicy.yaml'],
  });
  files['base/namespace.yaml'] = yaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
  files['base/deployment.yaml'] = yaml({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name,
              image: `ghcr.io/example/${name}:1.0.0`,
              ports: [{ name: 'http', containerPort: 8080 }],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              readinessProbe: { httpGet: { path: '/healthz/ready', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/healthz/live', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'uploads', mountPath: '/var/lib/uploads' }],
            },
          ],
          volumes: [{ name: 'uploads', persistentVolumeClaim: { claimName: `${name}-uploads` } }],
        },
      },
    },
  });
  files['base/service.yaml'] = yaml(
    { apiVersion: 'v1', kind: 'Service', metadata: { name, labels }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-internal`, labels },
      spec: { type: 'LoadBalancer', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  );
  files['base/ingress.yaml'] = yaml({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, labels },
    spec: { rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] } }] },
  });
  files['base/pvc.yaml'] = yaml({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `${name}-uploads`, labels },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '10Gi' } } },
  });
  files['base/pdb.yaml'] = yaml({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, labels }, spec: { minAvailable: 1, selector: { matchLabels: labels } } });
  files['base/networkpolicy.yaml'] = yaml(
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${name}-allow-http` },
      spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080, protocol: 'TCP' }] }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-dns' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
      },
    },
  );

  for (const cloud of clouds) {
    const profile = cloudProfiles[cloud];
    const dir = `overlays/${cloud}`;
    files[`${dir}/kustomization.yaml`] = yaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['../../base'],
      labels: [{ pairs: { 'fleetdeck.io/cloud': cloud }, includeSelectors: false }],
      patches: [{ path: 'storage-class.yaml' }, { path: 'internal-load-balancer.yaml' }, { path: 'ingress-class.yaml' }],
    });
    files[`${dir}/storage-class.yaml`] = yaml({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: `${name}-uploads` },
      spec: { storageClassName: profile.storageClasses.find((s) => s.family === 'file')!.name },
    });
    files[`${dir}/internal-load-balancer.yaml`] = yaml({ apiVersion: 'v1', kind: 'Service', metadata: { name: `${name}-internal`, annotations: profile.internalLoadBalancer } });
    files[`${dir}/ingress-class.yaml`] = yaml({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name },
      spec: { ingressClassName: profile.ingressClasses.find((i) => i.role === 'public')!.name },
    });
  }

  files['gitops/argocd/applicationset.yaml'] = yaml({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name, namespace: 'argocd' },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      // register each cluster in Argo CD with the label fleetdeck.io/cloud: aks | gke | eks
      generators: [{ clusters: { selector: { matchExpressions: [{ key: 'fleetdeck.io/cloud', operator: 'In', values: clouds }] } } }],
      template: {
        metadata: { name: `${name}-{{.name}}` },
        spec: {
          project: 'default',
          source: { repoURL, targetRevision: 'main', path: `overlays/{{index .metadata.labels "fleetdeck.io/cloud"}}` },
          destination: { server: '{{.server}}', namespace: name },
          syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'] },
        },
      },
    },
  });
  for (const cloud of clouds) {
    files[`gitops/flux/${cloud}/${name}.yaml`] = yaml(
      { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name, namespace: 'flux-system' }, spec: { interval: '1m', url: repoURL, ref: { branch: 'main' } } },
      {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name, namespace: 'flux-system' },
        spec: { interval: '10m', path: `./overlays/${cloud}`, prune: true, wait: true, timeout: '5m', sourceRef: { kind: 'GitRepository', name } },
      },
    );
  }

  files['.github/workflows/validate.yaml'] = yaml({
    name: 'validate',
    on: { pull_request: {}, push: { branches: ['main'] } },
    jobs: {
      validate: {
        'runs-on': 'ubuntu-latest',
        steps: [
          { uses: 'actions/checkout@v4' },
          { uses: 'actions/setup-node@v4', with: { 'node-version': '24' } },
          { name: 'Install the Fleetdeck CLI', run: 'npm install --global fleetdeck' },
          { name: 'Validate (schemas and lint)', run: 'fleetdeck validate .' },
          { name: 'Render every overlay', run: 'for overlay in overlays/*/; do echo "== $overlay"; fleetdeck render "$overlay" > /dev/null; done' },
        ],
      },
    },
  });
  files['README.md'] = [
    `# ${name}: GitOps for AKS, GKE and EKS`,
    '',
    '- `base/`: the application, cloud-neutral (no storage class, no load-balancer annotation, no ingress class).',
    '- `overlays/aks|gke|eks/`: what differs per cloud, as patches.',
    '- `gitops/argocd/`: an ApplicationSet that deploys each overlay to the clusters labelled `fleetdeck.io/cloud`.',
    '- `gitops/flux/<cloud>/`: a GitRepository and a Kustomization for each cluster\'s Flux.',
    '- `.github/workflows/validate.yaml`: `fleetdeck validate` and a render of every overlay on each pull request.',
    '',
    'Preview the overlays side by side in Fleetdeck, or run `fleetdeck render overlays/eks`.',
    '',
  ].join('\n');
  return files;
}
