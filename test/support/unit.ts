import type { Env, TypedConfig } from '@switchyard/config';
import type { DeploymentView, LoadableVersionView } from '@switchyard/queues';

/** Helpers for unit tests of stateful classes, which run beside busy integration suites. */

/** A TypedConfig over the given values, for a class constructed outside Nest. */
export function configOf(values: Partial<Env>): TypedConfig {
  return { get: (key: keyof Env) => values[key] } as TypedConfig;
}

/** Waits for a condition on a busy machine: polls until it holds, failing after a generous deadline. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A deployment of one champion as GET /v1/deployments lists it, with `extra` laid over it. */
export function deploymentOf(model: string, revision: number, champion: LoadableVersionView, extra: Partial<DeploymentView> = {}): DeploymentView {
  return {
    model,
    revision,
    salt: 'salt',
    challenger_percent: 0,
    champion,
    challenger: null,
    batching: null,
    task: 'regression',
    labels: null,
    updated_at: new Date(0).toISOString(),
    ...extra,
  };
}
