import { instructionLayerOf, kindOf, parseAnnotate, parsePerfMap, resolveAddress, summariseWindow, workDifference } from './callgrind';

const PERF_MAP = [
  'd0eed00 14c4 JS:*handler /work/main/dist/apps/gateway/src/predict/predict.route.js:26:18',
  'd0eccc0 500 JS:^_flushOutput node:_http_outgoing:1158:63',
  '18c4680 aa0 Builtin:RecordWriteSaveFP',
  'not a line',
].join('\n');

// The shape `callgrind_annotate --inclusive=no` prints (trimmed).
const ANNOTATE = `--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
12,000,000 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                   file:function
--------------------------------------------------------------------------------
 5,000,000 (41.67%)  ???:0x0000000001724110 [/work/main/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1]
 3,000,000 (25.00%)  ???:0x000000000d0eed00 [???]
 1,000,000 ( 8.33%)  ???:0x000000000d0eee00 [???]
 1,200,000 (10.00%)  ???:heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(v8::internal::FullHeapObjectSlot) [/usr/bin/node]
   800,000 ( 6.67%)  ???:v8::internal::compiler::GraphReducer::ReduceTop() [/usr/bin/node]
   600,000 ( 5.00%)  ???:v8::internal::JsonParser<unsigned char>::ParseJsonNumber() [/usr/bin/node]
   400,000 ( 3.33%)  ???:0x00000000deadbeef [???]
`;

describe('callgrind counts of a Node process', () => {
  it('resolves an address to the code object holding it, and nothing outside every object', () => {
    const map = parsePerfMap(PERF_MAP);
    expect(map.map((entry) => entry.start)).toEqual([0x18c4680, 0xd0eccc0, 0xd0eed00]);
    expect(resolveAddress(map, 0xd0eed00)).toBe('JS:*handler /work/main/dist/apps/gateway/src/predict/predict.route.js:26:18');
    expect(resolveAddress(map, 0xd0eed00 + 0x14c3)).toMatch(/^JS:\*handler/);
    expect(resolveAddress(map, 0xd0eed00 + 0x14c4)).toBeUndefined();
    expect(resolveAddress(map, 0xd0eccc0 + 0x10)).toBe('JS:^_flushOutput node:_http_outgoing:1158:63');
    expect(resolveAddress(map, 0x100)).toBeUndefined();
  });

  it("reads each function's self cost, names V8's code by the perf map and an unnamed library by its file, and sums one name's entries", () => {
    const costs = parseAnnotate(ANNOTATE, parsePerfMap(PERF_MAP));
    expect(costs).toEqual([
      { name: 'native libonnxruntime.so.1', instructions: 5_000_000 },
      { name: 'JS:*handler /work/main/dist/apps/gateway/src/predict/predict.route.js:26:18', instructions: 4_000_000 },
      { name: 'heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(v8::internal::FullHeapObjectSlot)', instructions: 1_200_000 },
      { name: 'v8::internal::compiler::GraphReducer::ReduceTop()', instructions: 800_000 },
      { name: 'v8::internal::JsonParser<unsigned char>::ParseJsonNumber()', instructions: 600_000 },
      { name: 'unknown code', instructions: 400_000 },
    ]);
  });

  it('tells garbage collection and compilation from the work, JSON parsing included', () => {
    expect(kindOf('v8::internal::Scavenger::ScavengePage(v8::internal::MemoryChunk*)')).toBe('gc');
    expect(kindOf('v8::internal::compiler::GraphReducer::ReduceTop()')).toBe('compiler');
    expect(kindOf('v8::internal::JsonParser<unsigned char>::ParseJsonNumber()')).toBe('work');
    expect(kindOf('JS:*handler /work/main/dist/apps/gateway/src/predict/predict.route.js:26:18')).toBe('work');
  });

  it('sums a window per request by kind, and lists the work most first', () => {
    const summary = summariseWindow(parseAnnotate(ANNOTATE, parsePerfMap(PERF_MAP)), 1_000, 2);
    expect(summary).toEqual({
      requests: 1_000,
      total: 12_000,
      gc: 1_200,
      compiler: 800,
      work: 10_000,
      top: [
        { name: 'native libonnxruntime.so.1', instructions: 5_000 },
        { name: 'JS:*handler /work/main/dist/apps/gateway/src/predict/predict.route.js:26:18', instructions: 4_000 },
      ],
    });
  });

  it('puts each function in the layer its code belongs to', () => {
    expect(instructionLayerOf('JS:*handler /work/main/dist/apps/gateway/src/predict/predict.route.js:26:18')).toBe('Switchyard (JavaScript)');
    expect(instructionLayerOf('JS:*hookIterator /work/main/node_modules/fastify/lib/hooks.js:410:23')).toBe('Fastify (JavaScript)');
    expect(instructionLayerOf('JS:* file:///work/main/node_modules/@nestjs/platform-fastify/adapters/fastify-adapter.js:289:44')).toBe('Nest (JavaScript)');
    expect(instructionLayerOf('JS:^sendCommand /work/main/node_modules/ioredis/built/Redis.js:354:16')).toBe('ioredis, prom-client (JavaScript)');
    expect(instructionLayerOf('JS:*get node:_http_incoming:109:16')).toBe('Node core (JavaScript)');
    expect(instructionLayerOf('JS:* node:internal/streams/readable:1127:33')).toBe('Node core (JavaScript)');
    expect(instructionLayerOf('RegExp:[^\\t\\x20-\\x7e\\x80-\\xff]')).toBe('other JavaScript and regular expressions');
    expect(instructionLayerOf('native libonnxruntime.so.1')).toBe('onnxruntime (its native code, the binding, N-API)');
    expect(instructionLayerOf('JS:*run /work/main/node_modules/onnxruntime-common/dist/cjs/inference-session-impl.js:13:14')).toBe('onnxruntime (its native code, the binding, N-API)');
    expect(instructionLayerOf('v8::internal::JsonStringifier::SerializeString(v8::internal::Handle<v8::internal::String>)')).toBe('V8: JSON');
    expect(instructionLayerOf('v8::base::FastDtoa(double, v8::base::FastDtoaMode, int, v8::base::Vector<char>, int*, int*)')).toBe('V8: JSON');
    expect(instructionLayerOf('Builtins_KeyedLoadIC_Megamorphic')).toBe('V8: property access (inline caches, lookups, maps)');
    expect(instructionLayerOf('Builtins_LoadIC')).toBe('V8: property access (inline caches, lookups, maps)');
    expect(instructionLayerOf('Builtins_StringAdd_CheckNone')).toBe('V8: other builtins and runtime');
    expect(instructionLayerOf('InferenceSessionWrap::Run(Napi::CallbackInfo const&)')).toBe('onnxruntime (its native code, the binding, N-API)');
    expect(instructionLayerOf('napi_typeof')).toBe('onnxruntime (its native code, the binding, N-API)');
    expect(instructionLayerOf('_int_malloc')).toBe("libc, libuv, llhttp, Node's C++");
    expect(instructionLayerOf('llhttp__internal_execute')).toBe("libc, libuv, llhttp, Node's C++");
  });

  it("compares two processes' work per request, by function whatever tier ran it and by layer, most more first, leaving out collection and compilation", () => {
    const gateway = [
      { name: 'native libonnxruntime.so.1', instructions: 5_500_000 },
      { name: 'JS:*handler /work/main/dist/apps/gateway/src/predict/predict.route.js:26:18', instructions: 300_000 },
      { name: 'JS:^handler /work/main/dist/apps/gateway/src/predict/predict.route.js:26:18', instructions: 100_000 },
      { name: 'Builtins_LoadIC', instructions: 900_000 },
      { name: 'v8::internal::Scavenger::ScavengePage(v8::internal::MemoryChunk*)', instructions: 2_000_000 },
    ];
    const bare = [
      { name: 'native libonnxruntime.so.1', instructions: 2_700_000 },
      { name: 'Builtins_LoadIC', instructions: 200_000 },
      { name: 'JS:* /work/main/dist/bench/bare-server.js:68:42', instructions: 100_000 },
    ];
    const { functions, layers } = workDifference(gateway, 1_000, bare, 500);
    expect(functions).toEqual([
      { name: 'Builtins_LoadIC', subject: 900, baseline: 400, difference: 500 },
      { name: 'JS:handler /work/main/dist/apps/gateway/src/predict/predict.route.js:26:18', subject: 400, baseline: 0, difference: 400 },
      { name: 'native libonnxruntime.so.1', subject: 5_500, baseline: 5_400, difference: 100 },
      { name: 'JS: /work/main/dist/bench/bare-server.js:68:42', subject: 0, baseline: 200, difference: -200 },
    ]);
    // Bare's handler is a script of the bench, not of Switchyard's apps or libs.
    expect(layers).toEqual([
      { name: 'V8: property access (inline caches, lookups, maps)', subject: 900, baseline: 400, difference: 500 },
      { name: 'Switchyard (JavaScript)', subject: 400, baseline: 0, difference: 400 },
      { name: 'onnxruntime (its native code, the binding, N-API)', subject: 5_500, baseline: 5_400, difference: 100 },
      { name: 'other JavaScript and regular expressions', subject: 0, baseline: 200, difference: -200 },
    ]);
  });
});
