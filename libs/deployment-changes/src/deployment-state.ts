import type { EntityManager } from 'typeorm';
import { inferTask } from '@switchyard/onnx';
import type { ModelTask } from '@switchyard/domain';
import {
  DeploymentEntity,
  type DeploymentState,
  ModelAliasEntity,
  type ModelEntity,
  ModelVersionEntity,
} from '@switchyard/persistence';

export const CHAMPION = 'champion';
export const CHALLENGER = 'challenger';
/** Receives a copy of `shadow_percent` of the champion's requests; its answers are logged, never returned. */
export const SHADOW = 'shadow';
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
  model: Pick<ModelEntity, 'batching' | 'task' | 'labels' | 'guardrail'>,
): DeploymentState {
  return {
    batching: model.batching,
    task: model.task,
    labels: model.labels,
    guardrail: model.guardrail,
    champion: aliases.get(CHAMPION)?.version.version ?? null,
    challenger: aliases.get(CHALLENGER)?.version.version ?? null,
    challenger_percent: percentFromBasisPoints(deployment?.challengerBp ?? 0),
    shadow: aliases.get(SHADOW)?.version.version ?? null,
    shadow_percent: percentFromBasisPoints(deployment?.shadowBp ?? 0),
    revision: deployment?.revision ?? 0,
    aliases: Object.fromEntries([...aliases].map(([name, target]) => [name, target.version.version])),
  };
}

/** What a model's outputs mean: as set on it, or inferred from its champion's signature (the gateways' rule too). */
export async function modelTask(manager: EntityManager, model: Pick<ModelEntity, 'id' | 'task'>): Promise<ModelTask> {
  if (model.task) return model.task;
  const champion = await manager.findOne(ModelAliasEntity, { where: { modelId: model.id, alias: CHAMPION }, relations: { version: true } });
  return inferTask(champion?.version?.signature ?? null);
}
