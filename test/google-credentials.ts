// A Google service account key for tests: the shape Google's console hands out, a real RSA key, made-up ids.
import { generateKeyPairSync } from 'node:crypto';

export function fakeServiceAccount(): Record<string, string> & { type: string; private_key: string; private_key_id: string; client_email: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type: 'service_account',
    project_id: 'fleetdeck-lab',
    private_key_id: '3f1c0ffee5e1b2a7d9c4e8f6a0b1c2d3e4f5a6b7',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: 'restic@fleetdeck-lab.iam.gserviceaccount.com',
    client_id: '104217326589541234567',
    token_uri: 'https://oauth2.googleapis.com/token',
  };
}
