/** Reading the V8 CPU profile `--profile` takes of the gateway during scenario 1. */

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Where the gateway's busy time went, by layer (see LAYERS), largest first; idle time left out. */
  layers: Array<{ layer: string; self_ms: number; percent: number }>;
  functions: Array<{ fn: string; self_ms: number; percent: number }>;
  packages: Array<{ pkg: string; self_ms: number; percent: number }>;
}

/**
 * The layers a prediction passes through, by the script a profiled function comes from. First match
 * wins; a function with no script (a V8 builtin such as JSON.parse, or a native binding such as
 * onnxruntime's run or a socket write) counts in the layer of the nearest caller that has one.
 */
export const LAYERS: Array<[layer: string, pattern: RegExp]> = [
  ['onnxruntime', /node_modules\/onnxruntime-(node|common)\//],
  ['Nest/framework', /node_modules\/(@nestjs\/|nestjs-pino|pino|pino-http|rxjs|reflect-metadata|@fastify\/middie|path-to-regexp|class-transformer|class-validator)/],
  ['HTTP (Node core, Fastify)', /^node:|node_modules\/(fastify|@fastify\/|find-my-way|light-my-request|avvio|fast-json-stringify|secure-json-parse|fast-querystring|toad-cache|process-warning|abstract-logging)/],
  ['Switchyard (its code, prom-client, ioredis)', /\/dist\/(apps|libs)\/|node_modules\/(prom-client|ioredis|@ioredis\/|tdigest|bintrees|denque|redis-parser|cluster-key-slot|standard-as-callback)/],
];

const GC = 'GC';
const IDLE = new Set(['(idle)', '(program)']);

/**
 * Node's native socket writes. V8's sampler charges a sample to whatever the thread was in when the
 * sample was taken, waiting included: a write whose system call wakes the reader (autocannon, on the
 * same two cores) often loses the core inside it, so these read far above their CPU cost (measured
 * with perf's on-CPU samples, bench/README). They get a layer of their own, named so, rather than
 * swelling HTTP's.
 */
const SOCKET_WRITES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']);
export const SOCKET_WRITE_LAYER = 'socket writes (wall time: includes waiting for a core)';

function layerOfUrl(url: string): string | undefined {
  if (!url) return undefined;
  for (const [layer, pattern] of LAYERS) if (pattern.test(url)) return layer;
  return 'other';
}

/** Self time per layer, per function and per package of a V8 CPU profile, largest first. */
export function summariseProfile(profile: CpuProfile, top = 20): ProfileSummary {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const layerOfNode = new Map<number, string>();
  const layerOf = (id: number): string => {
    const known = layerOfNode.get(id);
    if (known !== undefined) return known;
    const node = byNode.get(id)!;
    const name = node.callFrame.functionName;
    const up = parent.get(id);
    const layer =
      name === '(garbage collector)'
        ? GC
        : IDLE.has(name)
          ? name
          : !node.callFrame.url && SOCKET_WRITES.has(name)
            ? SOCKET_WRITE_LAYER
            : (layerOfUrl(node.callFrame.url) ?? (up === undefined ? 'other' : layerOf(up)));
    layerOfNode.set(id, layer);
    return layer;
  };
  const selfUs = new Map<string, number>();
  const perPackage = new Map<string, number>();
  const perLayer = new Map<string, number>();
  let total = 0;
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node || delta < 0) return;
    total += delta;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, '');
    const short = /\/node_modules\//.test(file) ? file.replace(/^.*\/node_modules\//, '') : file.replace(/^.*\/dist\//, 'dist/');
    const key = `${functionName || '(anonymous)'}${short ? ` ${short}:${lineNumber + 1}` : ''}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    const pkg = !url ? (functionName.startsWith('(') ? functionName : '(native code and V8 builtins)') : url.startsWith('node:') ? 'node (core)' : /node_modules\//.test(url) ? (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? 'node_modules') : /\/dist\//.test(url) ? `switchyard ${url.replace(/^.*\/dist\//, '').split('/').slice(0, 2).join('/')}` : url;
    perPackage.set(pkg, (perPackage.get(pkg) ?? 0) + delta);
    const layer = layerOf(id);
    if (IDLE.has(layer)) return;
    busy += delta;
    perLayer.set(layer, (perLayer.get(layer) ?? 0) + delta);
  });
  const ranked = <K extends string>(map: Map<string, number>, key: K, whole: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ [key]: name, self_ms: Number((us / 1000).toFixed(1)), percent: Number(((100 * us) / (whole || 1)).toFixed(1)) }) as { [P in K]: string } & { self_ms: number; percent: number });
  return { layers: ranked(perLayer, 'layer', busy), functions: ranked(selfUs, 'fn', total), packages: ranked(perPackage, 'pkg', total) };
}
