import type { Job } from 'kubernetes-types/batch/v1';
import type { Deployment } from 'kubernetes-types/apps/v1';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2';
import type { ConfigMap, Secret, Service } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';

/**
 * The Kubernetes kinds deploy/k8s may use, at the apiVersion it must use, from kubernetes-types (the
 * Kubernetes 1.30 OpenAPI definitions as TypeScript). test/k8s-manifests.e2e-spec.ts turns this
 * interface into a JSON Schema with ts-json-schema-generator and validates every manifest with ajv.
 * A kind added to deploy/k8s is added here.
 */
export interface K8sKinds {
  ConfigMap: ConfigMap;
  Deployment: Deployment;
  HorizontalPodAutoscaler: HorizontalPodAutoscaler;
  Job: Job;
  PodDisruptionBudget: PodDisruptionBudget;
  Secret: Secret;
  Service: Service;
}
