import { Injectable } from '@nestjs/common';
import type { KeyState } from '@switchyard/auth';
import { TypedConfig } from '@switchyard/config';
import type { InputExample } from '@switchyard/domain';
import { DomainError } from '@switchyard/errors';
import type { DeploymentView, LoadableVersionView } from '@switchyard/queues';

/** Reads of the registry's small JSON resources; a registry slower than this counts as down. */
const READ_TIMEOUT_MS = 5_000;
/** An artifact's bytes, read whole: a large model on a slow link needs minutes, not seconds. */
const ARTIFACT_TIMEOUT_MS = 120_000;

/** GET /v1/deployments: every model's deployment, and which registry database said so. */
export interface RegistryDeployments {
  deployments: DeploymentView[];
  /** The registry's instance id (made once per registry database); null from a registry that sends none. */
  instance: string | null;
}

/**
 * The gateway's one way to the registry: REGISTRY_URL, the REGISTRY_API_KEY it sends as a bearer
 * token, the timeouts, and the few reads a gateway makes. Callers decide what a failure means to them
 * (keep serving, keep the last states, retry the load later); only `version` answers a client directly,
 * so only it throws domain errors.
 */
@Injectable()
export class RegistryClient {
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(config: TypedConfig) {
    this.baseUrl = config.get('REGISTRY_URL');
    const apiKey = config.get('REGISTRY_API_KEY');
    this.headers = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  }

  /** Throws when the registry cannot be reached or answers anything but 2xx. */
  async deployments(): Promise<RegistryDeployments> {
    const response = await this.get('/v1/deployments', READ_TIMEOUT_MS);
    if (!response.ok) throw new Error(`registry answered ${response.status}`);
    const list = (await response.json()) as { items: DeploymentView[]; registry_instance?: string };
    return { deployments: list.items, instance: list.registry_instance ?? null };
  }

  /** Every key's revocation and rate limit (no secret material). Throws as `deployments` does. */
  async keyStates(): Promise<KeyState[]> {
    const response = await this.get('/v1/keys/states', READ_TIMEOUT_MS);
    if (!response.ok) throw new Error(`registry answered ${response.status}`);
    return ((await response.json()) as { items: KeyState[] }).items;
  }

  /**
   * A ready version as a gateway loads it. `field` names where the number came from (a header; a path
   * names none), for the `errors` of a version that is unknown or not ready.
   */
  async version(model: string, version: number, field?: string): Promise<LoadableVersionView> {
    const named = (message: string) => (field ? { errors: [{ field, message }] } : {});
    let response: Response;
    try {
      response = await this.get(`/v1/models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}`, READ_TIMEOUT_MS);
    } catch {
      throw new DomainError('DEPENDENCY_UNAVAILABLE', `version ${version} of "${model}" is not loaded here and the registry cannot be reached`);
    }
    if (response.status === 404) throw new DomainError('VERSION_NOT_FOUND', `model "${model}" has no version ${version}`, named(`no version ${version}`));
    if (!response.ok) throw new DomainError('DEPENDENCY_UNAVAILABLE', `the registry answered ${response.status} for version ${version} of "${model}"`);
    const found = (await response.json()) as Omit<LoadableVersionView, 'input_example'> & { status: string; metadata?: { input_example?: InputExample } };
    if (found.status !== 'ready') {
      throw new DomainError('VERSION_NOT_READY', `version ${version} of "${model}" is ${found.status}, not ready`, named(`version ${version} is ${found.status}`));
    }
    // The version resource keeps the example in its metadata, as it was uploaded.
    return { ...found, input_example: found.metadata?.input_example ?? null };
  }

  /**
   * An artifact's bytes, as a response whose body the caller reads (the timeout covers that read too).
   * `url` is the artifact_url of a version, relative to the registry. Throws on anything but 2xx.
   */
  async artifact(url: string): Promise<Response> {
    const response = await this.get(url, ARTIFACT_TIMEOUT_MS);
    if (!response.ok) throw new Error(`the registry answered ${response.status} for ${url}`);
    return response;
  }

  private get(path: string, timeoutMs: number): Promise<Response> {
    return fetch(new URL(path, this.baseUrl), { headers: this.headers, signal: AbortSignal.timeout(timeoutMs) });
  }
}
