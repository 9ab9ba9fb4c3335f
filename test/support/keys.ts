import type { Role } from '@switchyard/auth';
import { call } from './client';

export interface TestKey {
  id: string;
  name: string;
  key: string;
}

export interface KeyOptions {
  name?: string;
  models?: string[];
  rate_limit_per_second?: number;
  burst?: number;
}

/** Creates a key through the registry's API with the run's admin key. */
export async function createKey(registryUrl: string, roles: Role[], options: KeyOptions = {}): Promise<TestKey> {
  const { name, ...rest } = options;
  const created = await call(`${registryUrl}/v1/keys`, { method: 'POST', json: { name: name ?? `test-${roles.join('-')}`, roles, ...rest } });
  if (created.status !== 201) throw new Error(`could not create a key: ${created.status} ${JSON.stringify(created.body)}`);
  return { id: created.body.id, name: created.body.name, key: created.body.key };
}
