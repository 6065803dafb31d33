// Encryption checks, cloud-aware: storage classes (each cloud's disks have their own defaults),
// Ingresses without TLS, load balancers in plain text, Secrets in environment variables, and
// etcd, which only the cloud's API shows.
import type { Cloud } from '../cloud.ts';
import type { KubeObject } from '../kube-object.ts';
import { isSystemNamespace, ownerOf, someOf, type ClusterObjects, type Finding } from './model.ts';
import { containersOf, podSpec } from './pods.ts';

type Found = Omit<Finding, 'context'>;

/** Per disk provisioner: whether the class's parameters encrypt with a key the user controls, and what its cloud does otherwise. */
const disks: { provisioners: string[]; keyed: (p: Record<string, string>) => boolean; unkeyed: Pick<Found, 'severity' | 'message' | 'fix'> }[] = [
  {
    provisioners: ['ebs.csi.aws.com', 'kubernetes.io/aws-ebs'],
    keyed: (p) => p.encrypted === 'true' || Boolean(p.kmsKeyId),
    unkeyed: { severity: 'warning', message: 'creates EBS volumes without encrypted: "true": they are stored in clear unless the AWS account has EBS encryption by default turned on, which is not observable from Kubernetes', fix: 'set parameters.encrypted: "true" (and kmsKeyId for a customer-managed key) in a new class, and move the claims to it' },
  },
  {
    provisioners: ['disk.csi.azure.com', 'kubernetes.io/azure-disk'],
    keyed: (p) => Boolean(p.diskEncryptionSetID ?? p.diskencryptionsetid),
    unkeyed: { severity: 'info', message: 'Azure managed disks are encrypted at rest with Microsoft-managed keys; without a disk encryption set the keys are not yours', fix: 'set parameters.diskEncryptionSetID to a disk encryption set holding your Key Vault key' },
  },
  {
    provisioners: ['pd.csi.storage.gke.io', 'kubernetes.io/gce-pd'],
    keyed: (p) => Boolean(p['disk-encryption-kms-key']),
    unkeyed: { severity: 'info', message: 'GCE persistent disks are encrypted at rest with Google-managed keys; without a CMEK key the keys are not yours', fix: 'set parameters.disk-encryption-kms-key to a Cloud KMS key (CMEK)' },
  },
];

function storageClassFinding(sc: KubeObject): Found | undefined {
  const provisioner = String(sc.provisioner ?? '');
  const parameters = (sc.parameters ?? {}) as Record<string, string>;
  const where = { namespace: null, kind: 'StorageClass', name: sc.metadata.name, check: 'encryption.storage-class' };
  const disk = disks.find((d) => d.provisioners.includes(provisioner));
  if (disk) return disk.keyed(parameters) ? undefined : { ...where, ...disk.unkeyed };
  if (provisioner === 'efs.csi.aws.com' || provisioner === 'file.csi.azure.com' || provisioner === 'filestore.csi.storage.gke.io') {
    return { ...where, severity: 'info', message: `encryption of ${provisioner} volumes is a setting of the file system or storage account behind it: not observable from Kubernetes`, fix: 'check encryption at rest on the file system or storage account in the cloud console' };
  }
  return undefined;
}

/** Ports a client reaches over TLS: named, declared or numbered as such. */
const TLS_PORTS = new Set([443, 636, 993, 995, 5671, 6443, 8443, 9443]);
const tlsPort = (p: { port: number; name?: string; appProtocol?: string }) => TLS_PORTS.has(p.port) || /^(https|tls|grpcs|ssl)/i.test(p.name ?? '') || /^(https|tls|kubernetes\.io\/wss)/i.test(p.appProtocol ?? '');

function loadBalancerFinding(service: KubeObject): Found | undefined {
  const spec = (service.spec ?? {}) as { type?: string; ports?: { port: number; name?: string; protocol?: string; appProtocol?: string }[] };
  if (spec.type !== 'LoadBalancer') return undefined;
  const annotations = service.metadata.annotations ?? {};
  // the AWS load balancer controller and the in-tree one terminate TLS on the ports an annotation names
  const terminated = annotations['service.beta.kubernetes.io/aws-load-balancer-ssl-cert'] ? (annotations['service.beta.kubernetes.io/aws-load-balancer-ssl-ports'] ?? '*').split(',').map((p) => p.trim()) : [];
  const plain = (spec.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP' && !tlsPort(p) && !terminated.includes('*') && !terminated.includes(String(p.port)) && !terminated.includes(p.name ?? ''));
  if (!plain.length) return undefined;
  return { namespace: service.metadata.namespace ?? null, kind: 'Service', name: service.metadata.name, check: 'encryption.plaintext-load-balancer', severity: 'warning', message: `exposes ${someOf(plain.map((p) => `${p.port}${p.name ? ` (${p.name})` : ''}`))} on a load balancer without TLS: traffic crosses the network in clear`, fix: 'serve TLS on the port (or terminate it at the load balancer with a certificate), or expose it through an Ingress with TLS' };
}

function ingressFinding(ingress: KubeObject): Found | undefined {
  const spec = (ingress.spec ?? {}) as { tls?: { hosts?: string[] }[]; rules?: { host?: string }[] };
  const covered = new Set((spec.tls ?? []).flatMap((t) => t.hosts ?? []));
  const hosts = [...new Set((spec.rules ?? []).map((r) => r.host ?? '*'))];
  const plain = spec.tls?.length ? hosts.filter((h) => !covered.has(h)) : hosts;
  if (!plain.length && spec.tls?.length) return undefined;
  return { namespace: ingress.metadata.namespace ?? null, kind: 'Ingress', name: ingress.metadata.name, check: 'encryption.ingress-tls', severity: 'warning', message: `serves ${plain.length ? someOf(plain) : 'its backend'} over plain HTTP: no TLS${spec.tls?.length ? ' entry names these hosts' : ' section'}`, fix: 'add spec.tls with the hosts and a certificate Secret (cert-manager can issue one)' };
}

const etcd: Record<Cloud, string> = {
  eks: 'EKS: envelope encryption of Secrets with a KMS key (aws eks describe-cluster --query cluster.encryptionConfig)',
  gke: 'GKE: application-layer secrets encryption with a Cloud KMS key (gcloud container clusters describe … --format="value(databaseEncryption)")',
  aks: 'AKS: KMS etcd encryption with a Key Vault key (az aks show --query securityProfile.azureKeyVaultKms)',
  other: "the control plane's encryption configuration (--encryption-provider-config)",
};

export function encryptionFindings(objects: ClusterObjects): Found[] {
  const findings: Found[] = [
    { namespace: null, kind: 'Cluster', name: objects.context, check: 'encryption.etcd', severity: 'info', message: `encryption at rest of etcd (Secrets) is not observable from Kubernetes: check ${etcd[objects.cloud]}`, fix: `turn on ${etcd[objects.cloud].replace(/ \(.*\)$/, '')} if it is off` },
  ];
  for (const sc of objects.storageClasses) {
    const finding = storageClassFinding(sc);
    if (finding) findings.push(finding);
  }
  for (const ingress of objects.ingresses) {
    const finding = ingressFinding(ingress);
    if (finding) findings.push(finding);
  }
  for (const service of objects.services) {
    const finding = loadBalancerFinding(service);
    if (finding) findings.push(finding);
  }
  const seen = new Set<string>();
  for (const pod of objects.pods) {
    const namespace = pod.metadata.namespace ?? '';
    if (isSystemNamespace(namespace)) continue;
    const secrets = containersOf(podSpec(pod)).flatMap((c) => [...(c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [`${e.name} ← ${e.valueFrom.secretKeyRef.name}`] : [])), ...(c.envFrom ?? []).flatMap((e) => (e.secretRef ? [`every key of ${e.secretRef.name}`] : []))]);
    const owner = ownerOf(pod);
    const key = `${namespace}/${owner.kind}/${owner.name}`;
    if (!secrets.length || seen.has(key)) continue;
    seen.add(key);
    findings.push({ namespace, kind: owner.kind, name: owner.name, check: 'encryption.secret-env', severity: 'info', message: `passes Secrets as environment variables (${someOf([...new Set(secrets)], 3)}): they end up in crash dumps, child processes and /proc`, fix: 'mount the Secret as a volume and read the file instead' });
  }
  return findings;
}
