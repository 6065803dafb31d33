export const clouds = ['aks', 'gke', 'eks', 'other'] as const;
export type Cloud = (typeof clouds)[number];

export const cloudNames: Record<Cloud, string> = {
  aks: 'Azure AKS',
  gke: 'Google GKE',
  eks: 'AWS EKS',
  other: 'Other',
};

interface CloudSignature {
  hostSuffixes: string[];
  execCommands: string[];
  /** exec plugins that serve several clouds are recognised by their arguments. */
  execArgs?: { command: string; args: string[] }[];
  authProviders: string[];
}

const signatures: Record<Exclude<Cloud, 'other'>, CloudSignature> = {
  aks: { hostSuffixes: ['.azmk8s.io'], execCommands: ['kubelogin'], authProviders: ['azure'] },
  gke: {
    hostSuffixes: ['container.googleapis.com', '.gke.goog'],
    execCommands: ['gke-gcloud-auth-plugin'],
    authProviders: ['gcp'],
  },
  eks: {
    hostSuffixes: ['.eks.amazonaws.com'],
    execCommands: ['aws-iam-authenticator'],
    execArgs: [{ command: 'aws', args: ['eks', 'get-token'] }],
    authProviders: [],
  },
};

export interface CloudHints {
  server?: string;
  execCommand?: string;
  execArgs?: string[];
  authProvider?: string;
  /** An explicit cloud recorded in the kubeconfig (the `fleetdeck.io/cloud` cluster extension). */
  declared?: string;
}

const baseName = (command: string) => command.split(/[\\/]/).pop()!.replace(/\.exe$/i, '');

function hostOf(server: string): string {
  try {
    return new URL(server).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** Detects the cloud from what a kubeconfig entry says, strongest signal first. */
export function detectCloud(hints: CloudHints): Cloud {
  if (hints.declared && (clouds as readonly string[]).includes(hints.declared)) return hints.declared as Cloud;
  const host = hints.server ? hostOf(hints.server) : '';
  const command = hints.execCommand ? baseName(hints.execCommand) : '';
  const args = hints.execArgs ?? [];
  for (const [cloud, sig] of Object.entries(signatures) as [Exclude<Cloud, 'other'>, CloudSignature][]) {
    if (host && sig.hostSuffixes.some((suffix) => host === suffix.replace(/^\./, '') || host.endsWith(suffix))) return cloud;
    if (command && sig.execCommands.includes(command)) return cloud;
    if (command && sig.execArgs?.some((e) => e.command === command && e.args.every((a) => args.includes(a)))) return cloud;
    if (hints.authProvider && sig.authProviders.includes(hints.authProvider)) return cloud;
  }
  return 'other';
}

/** How to install the exec credential plugins the clouds use, for the "plugin not found" error. */
export const execPluginInstallHints: Record<string, string> = {
  kubelogin: 'install kubelogin: `az aks install-cli` or `brew install Azure/kubelogin/kubelogin`',
  'gke-gcloud-auth-plugin': 'install it: `gcloud components install gke-gcloud-auth-plugin` or `apt-get install google-cloud-cli-gke-gcloud-auth-plugin`',
  aws: 'install the AWS CLI v2: `brew install awscli` or https://aws.amazon.com/cli/',
  'aws-iam-authenticator': 'install it: `brew install aws-iam-authenticator`',
};

const nodeSignatures: [Exclude<Cloud, 'other'>, string, string][] = [
  ['aks', 'azure://', 'kubernetes.azure.com/agentpool'],
  ['gke', 'gce://', 'cloud.google.com/gke-nodepool'],
  ['eks', 'aws://', 'eks.amazonaws.com/nodegroup'],
];

/** Detects the cloud from a node, once connected: its providerID scheme or the cloud's node-pool label. */
export function detectCloudFromNode(node: { providerID?: string; labels?: Record<string, string> }): Cloud {
  for (const [cloud, scheme, label] of nodeSignatures) {
    if (node.providerID?.startsWith(scheme) || (node.labels && label in node.labels)) return cloud;
  }
  return 'other';
}
