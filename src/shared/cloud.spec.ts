import { describe, expect, it } from 'vitest';
import { detectCloud, detectCloudFromNode } from './cloud.ts';

describe('detectCloud', () => {
  it.each([
    [{ server: 'https://prod-dns-1a2b.hcp.westeurope.azmk8s.io:443' }, 'aks'],
    [{ server: 'https://10.0.0.1', execCommand: '/usr/local/bin/kubelogin' }, 'aks'],
    [{ server: 'https://34.77.1.2', execCommand: 'gke-gcloud-auth-plugin' }, 'gke'],
    [{ server: 'https://gke-abc.europe-west1.gke.goog' }, 'gke'],
    [{ server: 'https://container.googleapis.com/v1/projects/p/locations/l/clusters/c' }, 'gke'],
    [{ server: 'https://34.77.1.2', authProvider: 'gcp' }, 'gke'],
    [{ server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com' }, 'eks'],
    [{ server: 'https://10.0.0.1', execCommand: 'aws', execArgs: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'x'] }, 'eks'],
    [{ server: 'https://10.0.0.1', execCommand: 'aws-iam-authenticator' }, 'eks'],
    [{ server: 'https://10.0.0.1', execCommand: 'aws', execArgs: ['sts', 'get-caller-identity'] }, 'other'],
    [{ server: 'https://127.0.0.1:6443', declared: 'eks' }, 'eks'],
    [{ server: 'https://127.0.0.1:6443', declared: 'mars' }, 'other'],
    [{ server: 'https://notazmk8s.io.example.com' }, 'other'],
    [{ server: 'not a url' }, 'other'],
  ] as const)('%j → %s', (hints, cloud) => {
    expect(detectCloud(hints as Parameters<typeof detectCloud>[0])).toBe(cloud);
  });
});

describe('detectCloudFromNode', () => {
  it.each([
    [{ providerID: 'azure:///subscriptions/x/resourceGroups/mc/providers/Microsoft.Compute/virtualMachineScaleSets/vmss/virtualMachines/0' }, 'aks'],
    [{ providerID: 'gce://acme/europe-west1-b/gke-node' }, 'gke'],
    [{ providerID: 'aws:///eu-west-1a/i-0abc' }, 'eks'],
    [{ labels: { 'eks.amazonaws.com/nodegroup': 'ng' } }, 'eks'],
    [{ providerID: 'kind://docker/kind/kind-control-plane', labels: {} }, 'other'],
  ] as const)('%j → %s', (node, cloud) => expect(detectCloudFromNode(node)).toBe(cloud));
});
