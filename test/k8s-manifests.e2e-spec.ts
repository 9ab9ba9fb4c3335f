/**
 * deploy/k8s checked offline: every YAML document parses, kinds and apiVersions are the ones this
 * layout uses, every object as kustomize renders it validates against the Kubernetes 1.30 schema of
 * its kind (strictly: an unknown or misspelled field fails, as with `kubectl apply --validate=strict`),
 * references between objects resolve (selectors, Services, HPA, PDB, envFrom), every container has an
 * image, probes, resources and a non-root securityContext, commands match docker-compose.yml, and the
 * environment the pods get is the documented contract (.env.example) and passes the apps' own
 * validation. No cluster or kubectl is needed.
 *
 * The schemas: no npm package ships the Kubernetes JSON schemas themselves, so they are generated
 * here, in about a second, from kubernetes-types (the Kubernetes OpenAPI definitions as TypeScript)
 * with ts-json-schema-generator, with additionalProperties false; ajv validates against them.
 * What that loses against the OpenAPI document: integer vs number, formats and patterns.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { load, loadAll } from 'js-yaml';
import { createGenerator } from 'ts-json-schema-generator';
import { validateEnv } from '@switchyard/config';

const ROOT = path.resolve(__dirname, '..');
const K8S = path.join(ROOT, 'deploy', 'k8s');

type Obj = Record<string, any>;

/**
 * What `kustomize build deploy/k8s` does with this kustomization: its `labels` (here without
 * selectors or pod templates) on every object's metadata, and its `images` tags on matching
 * containers. A kustomization using anything else fails here rather than being half rendered.
 */
function renderKustomization(kustomization: Obj, resources: Obj[]): Obj[] {
  const supported = new Set(['apiVersion', 'kind', 'resources', 'labels', 'images']);
  const unsupported = Object.keys(kustomization).filter((key) => !supported.has(key));
  if (unsupported.length) throw new Error(`kustomization.yaml uses ${unsupported.join(', ')}: teach renderKustomization`);
  const rendered: Obj[] = structuredClone(resources);
  for (const { pairs, includeSelectors, includeTemplates } of kustomization.labels ?? []) {
    if (includeSelectors || includeTemplates) throw new Error('labels on selectors or templates: teach renderKustomization');
    for (const object of rendered) object.metadata.labels = { ...object.metadata.labels, ...pairs };
  }
  for (const { name, newName, newTag } of kustomization.images ?? []) {
    for (const object of rendered) {
      const pod = object.spec?.template?.spec;
      for (const container of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
        const [image, tag] = String(container.image).split(':');
        if (image === name) container.image = `${newName ?? image}:${newTag ?? tag}`;
      }
    }
  }
  return rendered;
}

/** One ajv validator per kind, over the JSON Schema generated from test/support/k8s-kinds.ts. */
function kubernetesValidators(): Map<string, ValidateFunction> {
  const schema = createGenerator({
    path: path.join(__dirname, 'support', 'k8s-kinds.ts'),
    type: 'K8sKinds',
    skipTypeCheck: true,
    additionalProperties: false,
    expose: 'all',
    topRef: true,
    jsDoc: 'none',
  }).createSchema('K8sKinds');
  // IntOrString is `number | string` in the definitions, a union type to ajv.
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addSchema(schema, 'k8s');
  const kinds = Object.keys((schema.definitions!.K8sKinds as Obj).properties);
  return new Map(kinds.map((kind) => [kind, ajv.compile({ $ref: `k8s#/definitions/K8sKinds/properties/${kind}` })]));
}

const API_VERSIONS: Record<string, string> = {
  Deployment: 'apps/v1',
  Service: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Job: 'batch/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  PodDisruptionBudget: 'policy/v1',
};

describe('deploy/k8s manifests', () => {
  const kustomization = load(readFileSync(path.join(K8S, 'kustomization.yaml'), 'utf8')) as Obj;
  const files: string[] = kustomization.resources;
  const objects: Obj[] = files.flatMap((file) =>
    (loadAll(readFileSync(path.join(K8S, file), 'utf8')) as Obj[]).filter((doc) => doc !== null && doc !== undefined),
  );
  const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
  const compose = load(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as Obj;
  const envExample = new Set(
    readFileSync(path.join(ROOT, '.env.example'), 'utf8')
      .split('\n')
      .map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line.trim())?.[1])
      .filter((name): name is string => !!name),
  );
  /** Pod templates with where they come from: Deployments and the Job. */
  const workloads = [...ofKind('Deployment'), ...ofKind('Job')].map((o) => ({ name: o.metadata.name as string, kind: o.kind as string, pod: o.spec.template }));

  it('is a kustomization listing every YAML file of the folder', () => {
    expect(kustomization).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
    const yamlFiles = readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    expect([...files].sort()).toEqual(yamlFiles.sort());
  });

  describe('rendered by the kustomization, against the Kubernetes 1.30 schemas', () => {
    const rendered = renderKustomization(kustomization, objects);
    const validators = kubernetesValidators();
    const errorsOf = (object: Obj) => {
      const validate = validators.get(object.kind);
      if (!validate) return [`no schema for kind ${object.kind}: add it to test/support/k8s-kinds.ts`];
      return validate(object) ? [] : validate.errors!.map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    };
    const gateway = () => structuredClone(rendered.find((o) => o.kind === 'Deployment' && o.metadata.name === 'switchyard-gateway')!);
    const hpa = () => structuredClone(rendered.find((o) => o.kind === 'HorizontalPodAutoscaler')!);

    it('renders the labels and image tag of kustomization.yaml', () => {
      expect(rendered).toHaveLength(objects.length);
      for (const object of rendered) expect(object.metadata.labels).toMatchObject({ 'app.kubernetes.io/part-of': 'switchyard' });
      expect(gateway().spec.template.spec.containers[0].image).toBe('switchyard:latest');
      expect(gateway().spec.selector.matchLabels).not.toHaveProperty('app.kubernetes.io/part-of');
    });

    it.each(objects.map((o) => `${o.kind}/${o.metadata.name}`))('%s is valid', (id) => {
      const object = rendered.find((o) => `${o.kind}/${o.metadata.name}` === id)!;
      expect({ id, errors: errorsOf(object) }).toEqual({ id, errors: [] });
    });

    it('catches a misspelled field, a wrong type, a missing required field, a field of another apiVersion and a wrong apiVersion', () => {
      const misspelled = gateway();
      const container = misspelled.spec.template.spec.containers[0];
      container.readinessprobe = container.readinessProbe;
      delete container.readinessProbe;
      expect(errorsOf(misspelled)).toEqual([expect.stringMatching(/^\/spec\/template\/spec\/containers\/0 must NOT have additional properties .*readinessprobe/)]);

      const wrongType = gateway();
      wrongType.spec.replicas = 'three';
      expect(errorsOf(wrongType)).toEqual([expect.stringMatching(/^\/spec\/replicas must be number/)]);

      const missing = gateway();
      delete missing.spec.template.spec.containers[0].name;
      expect(errorsOf(missing)).toEqual([expect.stringMatching(/^\/spec\/template\/spec\/containers\/0 must have required property 'name'/)]);

      // autoscaling/v1's field, unknown to autoscaling/v2.
      const v1Field = hpa();
      v1Field.spec.targetCPUUtilizationPercentage = 70;
      expect(errorsOf(v1Field)).toEqual([expect.stringContaining('targetCPUUtilizationPercentage')]);

      const wrongVersion = hpa();
      wrongVersion.apiVersion = 'autoscaling/v1';
      expect(errorsOf(wrongVersion)).toEqual([expect.stringMatching(/^\/apiVersion must be equal to constant/)]);
    });
  });

  it('has the expected objects with known apiVersions and names', () => {
    for (const o of objects) {
      expect({ kind: o.kind, apiVersion: o.apiVersion }).toEqual({ kind: o.kind, apiVersion: API_VERSIONS[o.kind] });
      expect(o.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(names).toEqual(
      [
        'ConfigMap/switchyard-config',
        'Secret/switchyard-secrets',
        'Job/switchyard-migrate',
        'Deployment/switchyard-registry',
        'Deployment/switchyard-gateway',
        'Deployment/switchyard-worker',
        'Service/switchyard-registry',
        'Service/switchyard-gateway',
        'HorizontalPodAutoscaler/switchyard-gateway',
        'PodDisruptionBudget/switchyard-gateway',
      ].sort(),
    );
  });

  it('runs the image with the commands of docker-compose.yml', () => {
    const expected: Record<string, string> = {
      'switchyard-registry': 'registry',
      'switchyard-gateway': 'gateway',
      'switchyard-worker': 'worker',
      'switchyard-migrate': 'migrate',
    };
    for (const { name, pod } of workloads) {
      const [container, ...others] = pod.spec.containers;
      expect(others).toEqual([]);
      expect(container.image).toBe('switchyard');
      expect(kustomization.images).toContainEqual({ name: 'switchyard', newTag: 'latest' });
      expect({ name, command: container.command }).toEqual({ name, command: compose.services[expected[name]].command });
    }
  });

  it('gives every container resources, a non-root securityContext and (for servers) probes on /health', () => {
    for (const { name, kind, pod } of workloads) {
      expect({ name, runAsNonRoot: pod.spec.securityContext?.runAsNonRoot }).toEqual({ name, runAsNonRoot: true });
      expect(pod.spec.securityContext.runAsUser).toBeGreaterThan(0);
      for (const container of pod.spec.containers) {
        for (const side of ['requests', 'limits']) {
          expect({ name, side, keys: Object.keys(container.resources?.[side] ?? {}).sort() }).toEqual({ name, side, keys: ['cpu', 'memory'] });
        }
        expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        if (kind === 'Job') continue;
        const portNames = (container.ports ?? []).map((p: Obj) => p.name);
        expect({ name, path: container.readinessProbe?.httpGet?.path }).toEqual({ name, path: '/health/ready' });
        expect({ name, path: container.livenessProbe?.httpGet?.path }).toEqual({ name, path: '/health/live' });
        for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe].filter(Boolean)) {
          expect(portNames).toContain(probe.httpGet.port);
        }
        // Mounted volumes exist (readOnlyRootFilesystem needs a writable /tmp).
        const volumes = (pod.spec.volumes ?? []).map((v: Obj) => v.name);
        for (const mount of container.volumeMounts ?? []) expect(volumes).toContain(mount.name);
      }
    }
  });

  it('wires Deployments, Services, the HPA and the PDB to each other', () => {
    for (const deployment of ofKind('Deployment')) {
      expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    }
    const ports: Record<string, number[]> = { 'switchyard-registry': [3000], 'switchyard-gateway': [8080, 8081] };
    for (const service of ofKind('Service')) {
      const target = ofKind('Deployment').find((d) =>
        Object.entries(service.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect(target?.metadata.name).toBe(service.metadata.name);
      expect(service.spec.ports.map((p: Obj) => p.port)).toEqual(ports[service.metadata.name]);
      const containerPorts = new Map(target!.spec.template.spec.containers[0].ports.map((p: Obj) => [p.name, p.containerPort]));
      // Each Service port reaches a container port of the same number, the one the app is told to listen on.
      for (const port of service.spec.ports) expect([port.name, containerPorts.get(port.targetPort)]).toEqual([port.name, port.port]);
    }
    const configured = named('ConfigMap', 'switchyard-config')!.data;
    expect([configured.GATEWAY_PORT, configured.GATEWAY_GRPC_PORT]).toEqual(['8080', '8081']);
    const hpa = named('HorizontalPodAutoscaler', 'switchyard-gateway')!;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'switchyard-gateway' });
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    expect(hpa.spec.metrics).toContainEqual({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } });
    const gateway = named('Deployment', 'switchyard-gateway')!;
    const pdb = named('PodDisruptionBudget', 'switchyard-gateway')!;
    expect(gateway.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
    // The PDB must leave room for a drain at the HPA's floor.
    expect(pdb.spec.maxUnavailable).toBeLessThan(hpa.spec.minReplicas);
    // The registry URL the gateways use points at the registry Service.
    const config = named('ConfigMap', 'switchyard-config')!;
    expect(config.data.REGISTRY_URL).toBe('http://switchyard-registry:3000');
  });

  it('gives pods only documented variables (.env.example), and the apps accept them', () => {
    const config = named('ConfigMap', 'switchyard-config')!;
    const secret = named('Secret', 'switchyard-secrets')!;
    const env: Record<string, string> = { ...config.data, ...secret.stringData };
    for (const value of Object.values(env)) expect(typeof value).toBe('string');
    // NODE_ENV is Node's own (docker-compose.yml sets it too); everything else is the apps' contract.
    const undocumented = Object.keys(env).filter((name) => !envExample.has(name) && name !== 'NODE_ENV');
    expect(undocumented).toEqual([]);

    for (const { name, pod } of workloads) {
      for (const container of pod.spec.containers) {
        for (const ref of container.envFrom ?? []) {
          if (ref.configMapRef) expect({ name, ref: named('ConfigMap', ref.configMapRef.name)?.metadata.name }).toEqual({ name, ref: ref.configMapRef.name });
          if (ref.secretRef) expect({ name, ref: named('Secret', ref.secretRef.name)?.metadata.name }).toEqual({ name, ref: ref.secretRef.name });
        }
        for (const variable of container.env ?? []) expect({ name, variable: variable.name, documented: envExample.has(variable.name) }).toEqual({ name, variable: variable.name, documented: true });
      }
    }
    // The pod environment validates like an app would at boot (GATEWAY_REPLICA_ID: a pod name).
    expect(() => validateEnv({ ...env, GATEWAY_REPLICA_ID: 'switchyard-gateway-7d9c8b6f5-x2x9q' })).not.toThrow();
    // Every app setting of .env.example is decided here (compose-only ones and NO_COLOR, for terminals, excepted).
    const provided = new Set([...Object.keys(env), 'GATEWAY_REPLICA_ID']);
    const notCluster = new Set(['POSTGRES_USER', 'POSTGRES_PASSWORD', 'MINIO_ROOT_USER', 'MINIO_ROOT_PASSWORD', 'SWITCHYARD_TAG', 'GRAFANA_ADMIN_PASSWORD', 'NO_COLOR']);
    expect([...envExample].filter((name) => !provided.has(name) && !notCluster.has(name))).toEqual([]);
  });
});
