import type { EntityManager } from 'typeorm';
import type { BatchingConfig } from '../../../../libs/queues/src';
import {
  DeploymentEntity,
  type DeploymentState,
  ModelAliasEntity,
  ModelVersionEntity,
} from '../../../../libs/persistence/src';

export const CHAMPION = 'champion';
export const CHALLENGER = 'challenger';
export const TRAFFIC_ALIASES = [CHAMPION, CHALLENGER];

export interface AliasTarget {
  alias: ModelAliasEntity;
  version: ModelVersionEntity;
}

/** A model's aliases with their versions, keyed by alias name. */
export async function loadAliases(manager: EntityManager, modelId: string): Promise<Map<string, AliasTarget>> {
  const aliases = await manager.find(ModelAliasEntity, { where: { modelId }, relations: { version: true }, order: { alias: 'ASC' } });
  return new Map(aliases.map((alias) => [alias.alias, { alias, version: alias.version! }]));
}

export function percentFromBasisPoints(basisPoints: number): number {
  return basisPoints / 100;
}

/** The audit log's picture of a deployment: plain version numbers, so it stays readable forever. */
export function deploymentState(
  deployment: DeploymentEntity | null,
  aliases: Map<string, AliasTarget>,
  batching: BatchingConfig | null,
): DeploymentState {
  return {
    batching,
    champion: aliases.get(CHAMPION)?.version.version ?? null,
    challenger: aliases.get(CHALLENGER)?.version.version ?? null,
    challenger_percent: percentFromBasisPoints(deployment?.challengerBp ?? 0),
    revision: deployment?.revision ?? 0,
    aliases: Object.fromEntries([...aliases].map(([name, target]) => [name, target.version.version])),
  };
}
