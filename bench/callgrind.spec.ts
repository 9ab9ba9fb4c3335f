import { kindOf, parseAnnotate, parsePerfMap, resolveAddress, summariseWindow } from './callgrind';

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
});
