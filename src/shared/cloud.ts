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
  authProviders: string[];
}

const signatures: Record<Exclude<Cloud, 'other'>, CloudSignature> = {
  aks: { hostSuffixes: ['.azmk8s.io'], authProviders: ['azure'] },
  gke: { hostSuffixes: ['container.googleapis.com', '.gke.goog'], authProviders: ['gcp'] },
  eks: { hostSuffixes: ['.eks.amazonaws.com'], authProviders: [] },
};

/** A known exec credential plugin. */
export interface CredentialPlugin {
  /**
   * The words of the subcommand it issues a credential with (empty: it does nothing else): the only
   * positional arguments shown, and what an imported kubeconfig must run it with.
   */
  subcommand: readonly string[];
  /** the cloud it signals; a general cloud CLI (aws) only when run with its subcommand */
  cloud?: { id: Exclude<Cloud, 'other'>; onlyWithSubcommand?: boolean };
  /** how to install it, for the "plugin not found" error */
  install?: string;
}

/** The known credential plugins, by name (see pluginName); an imported kubeconfig may run only these. */
export const credentialPlugins: ReadonlyMap<string, CredentialPlugin> = new Map<string, CredentialPlugin>([
  ['aws', { subcommand: ['eks', 'get-token'], cloud: { id: 'eks', onlyWithSubcommand: true }, install: 'install the AWS CLI v2: `brew install awscli` or https://aws.amazon.com/cli/' }],
  // Azure's kubelogin and int128's kubelogin (also run as kubectl oidc-login)
  ['kubelogin', { subcommand: ['get-token'], cloud: { id: 'aks' }, install: 'install kubelogin: `az aks install-cli` or `brew install Azure/kubelogin/kubelogin`' }],
  ['kubectl', { subcommand: ['oidc-login', 'get-token'] }],
  ['kubectl-oidc_login', { subcommand: ['get-token'] }],
  ['aws-iam-authenticator', { subcommand: ['token'], cloud: { id: 'eks' }, install: 'install it: `brew install aws-iam-authenticator`' }],
  ['gke-gcloud-auth-plugin', { subcommand: [], cloud: { id: 'gke' }, install: 'install it: `gcloud components install gke-gcloud-auth-plugin` or `apt-get install google-cloud-cli-gke-gcloud-auth-plugin`' }],
  ['gcloud', { subcommand: ['config', 'config-helper'] }],
  ['az', { subcommand: ['account', 'get-access-token'] }],
  ['doctl', { subcommand: ['kubernetes', 'cluster', 'kubeconfig', 'exec-credential'] }],
  ['oci', { subcommand: ['ce', 'cluster', 'generate-token'] }],
]);

/** The one way an exec plugin's command becomes its name: the base name (either slash), without Windows' .exe. */
export const pluginName = (command: string) => command.split(/[\\/]/).pop()!.replace(/\.exe$/i, '');

export interface CloudHints {
  server?: string;
  execCommand?: string;
  execArgs?: string[];
  authProvider?: string;
  /** An explicit cloud recorded in the kubeconfig (the `fleetdeck.io/cloud` cluster extension). */
  declared?: string;
}

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
  const plugin = hints.execCommand ? credentialPlugins.get(pluginName(hints.execCommand)) : undefined;
  const args = hints.execArgs ?? [];
  const pluginCloud = plugin?.cloud && (!plugin.cloud.onlyWithSubcommand || plugin.subcommand.every((word) => args.includes(word))) ? plugin.cloud.id : undefined;
  for (const [cloud, sig] of Object.entries(signatures) as [Exclude<Cloud, 'other'>, CloudSignature][]) {
    if (host && sig.hostSuffixes.some((suffix) => host === suffix.replace(/^\./, '') || host.endsWith(suffix))) return cloud;
    if (pluginCloud === cloud) return cloud;
    if (hints.authProvider && sig.authProviders.includes(hints.authProvider)) return cloud;
  }
  return 'other';
}

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
