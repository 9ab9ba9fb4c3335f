/** Reading the V8 CPU profile `--profile` takes of the gateway during scenario 1. */

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  functions: Array<{ fn: string; self_ms: number; percent: number }>;
  packages: Array<{ pkg: string; self_ms: number; percent: number }>;
}

/** Self time per function of a V8 CPU profile, and per package, largest first. */
export function summariseProfile(profile: CpuProfile, top = 20): ProfileSummary {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  const perPackage = new Map<string, number>();
  let total = 0;
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
  });
  const ranked = <K extends string>(map: Map<string, number>, key: K) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ [key]: name, self_ms: Number((us / 1000).toFixed(1)), percent: Number(((100 * us) / (total || 1)).toFixed(1)) }) as { [P in K]: string } & { self_ms: number; percent: number });
  return { functions: ranked(selfUs, 'fn'), packages: ranked(perPackage, 'pkg') };
}
