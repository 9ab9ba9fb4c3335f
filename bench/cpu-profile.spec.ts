import { type CpuProfile, SOCKET_WRITE_LAYER, summariseProfile } from './cpu-profile';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

describe('summariseProfile', () => {
  it('puts each sample in a layer, a builtin in its caller’s, and leaves idle time out of the shares', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 6, 7, 8] },
        { id: 2, callFrame: frame('handler', 'file:///srv/dist/apps/gateway/src/predict/predict.route.js'), children: [3, 4] },
        { id: 3, callFrame: frame('run', 'file:///srv/node_modules/onnxruntime-node/dist/backend.js'), children: [5] },
        { id: 4, callFrame: frame('stringify') },
        { id: 5, callFrame: frame('run') },
        { id: 6, callFrame: frame('routeHandler', 'file:///srv/node_modules/fastify/lib/route.js') },
        { id: 7, callFrame: frame('(garbage collector)') },
        { id: 8, callFrame: frame('(idle)') },
      ],
      samples: [2, 4, 5, 5, 5, 6, 7, 8, 8],
      timeDeltas: [100, 100, 100, 100, 100, 200, 300, 100, 100],
    };
    expect(summariseProfile(profile).layers).toEqual([
      { layer: 'onnxruntime', self_ms: 0.3, percent: 30 },
      { layer: 'GC', self_ms: 0.3, percent: 30 },
      { layer: 'Switchyard (its code, prom-client, ioredis)', self_ms: 0.2, percent: 20 },
      { layer: 'HTTP (Node core, Fastify)', self_ms: 0.2, percent: 20 },
    ]);
  });

  it('gives native socket writes a layer of their own, whoever calls them', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('end', 'node:_http_outgoing'), children: [3, 4] },
        { id: 3, callFrame: frame('writev') },
        { id: 4, callFrame: frame('byteLength') },
      ],
      samples: [2, 3, 3, 4],
      timeDeltas: [100, 200, 100, 100],
    };
    expect(summariseProfile(profile).layers).toEqual([
      { layer: SOCKET_WRITE_LAYER, self_ms: 0.3, percent: 60 },
      { layer: 'HTTP (Node core, Fastify)', self_ms: 0.2, percent: 40 },
    ]);
  });
});
