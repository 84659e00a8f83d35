import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as fs from 'fs';
import * as path from 'path';
import { GcpSecretManagerFake } from '../emulators/gcpSecretManagerFake';
import { RunningEmulator, startGcpFake, startMoto } from '../../test/support/emulators';

/** The example secrets the demo and the end-to-end tests seed (made-up values, for local emulators only). */
export const EXAMPLE_SECRETS = {
  'db-credentials': { DB_USER: 'analytics', DB_PASSWORD: 'demo-db-password-4f1c9a', DB_HOST: 'db.internal', DB_PORT: 5432 },
  'ml-api-key': 'demo-ml-api-key-8e2d7b',
} as const;

export const GCP_PROJECT = '123456789';

export interface DemoEnvironment {
  /** User settings that point the extension at the emulators. */
  settings: Record<string, unknown>;
  /**
   * The same as remote ("machine") settings: in code-server, machine-overridable settings such as
   * the endpoints are only reliably read from there.
   */
  machineSettings: Record<string, unknown>;
  /** Environment for the editor (and so the language server and the runs it starts). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts moto and the GCP fake on 127.0.0.1 and seeds them with EXAMPLE_SECRETS. */
export async function startDemoEnvironment(repo: string): Promise<DemoEnvironment> {
  const moto: RunningEmulator = await startMoto();
  const gcp: GcpSecretManagerFake = await startGcpFake();
  const sm = new SecretsManagerClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } });
  await sm.send(new CreateSecretCommand({ Name: 'db-credentials', SecretString: JSON.stringify(EXAMPLE_SECRETS['db-credentials']) }));
  sm.destroy();
  gcp.addVersion(GCP_PROJECT, 'ml-api-key', EXAMPLE_SECRETS['ml-api-key']);
  const settings = {
    'metaflowSecrets.backends.aws.endpoint': moto.url,
    'metaflowSecrets.backends.gcp.endpoint': gcp.endpoint,
    'metaflowSecrets.backends.gcp.insecure': true,
    'metaflowSecrets.run.python': path.join(repo, '.venv', 'bin', 'python'),
    'python.defaultInterpreterPath': path.join(repo, '.venv', 'bin', 'python'),
  };
  return {
    settings,
    machineSettings: settings,
    env: {
      AWS_ACCESS_KEY_ID: 'demo',
      AWS_SECRET_ACCESS_KEY: 'demo',
      AWS_REGION: 'us-east-1',
      USERNAME: process.env.USERNAME ?? process.env.USER ?? 'demo',
    },
    stop: async () => {
      await gcp.stop();
      await moto.stop();
    },
  };
}

/** A working copy of examples/ (runs write Metaflow's datastore into it, so not the repo's own). */
export function demoWorkspace(repo: string, target: string, fresh = false): string {
  if (fresh) fs.rmSync(target, { recursive: true, force: true });
  if (!fs.existsSync(target)) fs.cpSync(path.join(repo, 'examples'), target, { recursive: true });
  return target;
}
