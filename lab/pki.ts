import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pkiDir } from './config.ts';

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
export const pki = (name: string) => path.join(pkiDir, name);

/** Signs a certificate with the lab CA; `san` makes it a serving certificate. */
function issue(name: string, subject: string, options: { san?: string; client?: boolean }) {
  if (existsSync(pki(`${name}.crt`))) return;
  openssl('genrsa', '-out', pki(`${name}.key`), '2048');
  openssl('req', '-new', '-key', pki(`${name}.key`), '-subj', subject, '-out', pki(`${name}.csr`));
  const ext = [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${options.client ? 'clientAuth' : 'serverAuth'}`,
    ...(options.san ? [`subjectAltName=${options.san}`] : []),
  ].join('\n');
  writeFileSync(pki(`${name}.ext`), ext);
  openssl('x509', '-req', '-in', pki(`${name}.csr`), '-CA', pki('ca.crt'), '-CAkey', pki('ca.key'), '-CAcreateserial', '-days', '825', '-sha256', '-extfile', pki(`${name}.ext`), '-out', pki(`${name}.crt`));
}

/** The lab CA, one serving certificate for every API server, the admin and kubelet-client certificates and the service-account keys. */
export function ensurePki(): void {
  mkdirSync(pkiDir, { recursive: true });
  if (!existsSync(pki('ca.crt'))) {
    openssl('genrsa', '-out', pki('ca.key'), '2048');
    openssl('req', '-x509', '-new', '-key', pki('ca.key'), '-subj', '/CN=fleetdeck-lab-ca', '-days', '3650', '-sha256', '-out', pki('ca.crt'));
  }
  issue('apiserver', '/CN=kube-apiserver', { san: 'IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc' });
  issue('admin', '/O=system:masters/CN=fleetdeck-lab-admin', { client: true });
  // how the API servers authenticate to node-sim's kubelet endpoint (as kubeadm's apiserver-kubelet-client)
  issue('apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client', { client: true });
  if (!existsSync(pki('sa.key'))) {
    openssl('genrsa', '-out', pki('sa.key'), '2048');
    openssl('rsa', '-in', pki('sa.key'), '-pubout', '-out', pki('sa.pub'));
  }
}

export const pem = (name: string) => readFileSync(pki(name));
