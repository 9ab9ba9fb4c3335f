import * as path from 'node:path';

/**
 * Reading callgrind's counts of a Node process (bench/instructions.ts). callgrind names native
 * functions itself; V8's generated code it shows as bare addresses, which the perf map that
 * `node --perf-basic-prof` writes (/tmp/perf-<pid>.map: start, size and name of every code object,
 * in hex) turns into JavaScript functions, builtins and regular expressions.
 */

export interface PerfMapEntry {
  start: number;
  size: number;
  name: string;
}

/** The perf map's entries, sorted by start address. */
export function parsePerfMap(text: string): PerfMapEntry[] {
  const entries: PerfMapEntry[] = [];
  for (const line of text.split('\n')) {
    const match = /^([0-9a-fA-F]+) ([0-9a-fA-F]+) (.+)$/.exec(line);
    if (match) entries.push({ start: parseInt(match[1], 16), size: parseInt(match[2], 16), name: match[3] });
  }
  return entries.sort((a, b) => a.start - b.start);
}

/** The name of the code object holding `address`, or undefined. */
export function resolveAddress(map: readonly PerfMapEntry[], address: number): string | undefined {
  let low = 0;
  let high = map.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (map[middle].start <= address) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  if (found < 0) return undefined;
  const entry = map[found];
  return address < entry.start + entry.size ? entry.name : undefined;
}

export interface FunctionCost {
  name: string;
  /** Instructions spent in the function itself (callgrind's self cost). */
  instructions: number;
}

/**
 * The functions of `callgrind_annotate --inclusive=no` output with their self cost, names resolved:
 * `???:0x…` through the perf map (`JS:*name file:line` for V8's code), else `native <library>` for a
 * library without symbols (onnxruntime's); named functions as callgrind names them, without the
 * `file:` prefix and the `[object]` suffix. Entries of one name are summed.
 */
export function parseAnnotate(text: string, map: readonly PerfMapEntry[]): FunctionCost[] {
  const costs = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+)\s+\([^)]*\)\s+(.+)$/.exec(line);
    if (!match || match[2].startsWith('PROGRAM TOTALS') || !match[2].includes(':')) continue;
    const instructions = Number(match[1].replace(/,/g, ''));
    const name = functionName(match[2], map);
    costs.set(name, (costs.get(name) ?? 0) + instructions);
  }
  return [...costs].map(([name, instructions]) => ({ name, instructions })).sort((a, b) => b.instructions - a.instructions);
}

function functionName(entry: string, map: readonly PerfMapEntry[]): string {
  const object = /\s\[([^\]]*)\]\s*$/.exec(entry)?.[1];
  const unnamed = /^\?\?\?:0x([0-9a-fA-F]+)/.exec(entry);
  if (unnamed) {
    const resolved = resolveAddress(map, parseInt(unnamed[1], 16));
    if (resolved !== undefined) return resolved;
    return object && object !== '???' ? `native ${path.basename(object)}` : 'unknown code';
  }
  return entry.replace(/\s\[[^\]]*\]\s*$/, '').replace(/^[^:]*:/, '');
}

export type CostKind = 'gc' | 'compiler' | 'work';

const GC = /Scaveng|heap::|Heap::|MarkCompact|Sweeper|Marking|Evacuat|IteratePointers|RememberedSet|SlotSet|Pretenuring|MemoryAllocator|PagedSpace|NewSpace|SemiSpace|IterateObjectCache|MemoryChunk|GCTracer|Worklist/;
const COMPILER = /compiler::|Compiler|Maglev|maglev|Turbofan|interpreter::Bytecode|BytecodeGenerator|internal::Parser|internal::Scanner|ParseInfo|PreParser|Zone::|SourcePosition|baseline::|RegExpCompiler|regexp::|Deoptimiz|OptimizedCompilation|JSHeapBroker|PipelineImpl|RegisterAllocator|LiveRange|GraphReducer|CodeGenerator|Assembler/;

/**
 * Whether a function is V8's garbage collection, its compilers, or the work itself. V8 times both of
 * the first by the clock (and valgrind slows the clock), so how much of them falls into a window of
 * requests varies from window to window; the work does not.
 */
export function kindOf(name: string): CostKind {
  if (GC.test(name)) return 'gc';
  if (COMPILER.test(name)) return 'compiler';
  return 'work';
}

export interface WindowSummary {
  requests: number;
  /** Per request, in instructions. */
  total: number;
  gc: number;
  compiler: number;
  work: number;
  /** The functions doing the work, per request, most first. */
  top: FunctionCost[];
}

export function summariseWindow(costs: readonly FunctionCost[], requests: number, topCount: number): WindowSummary {
  const sums = { gc: 0, compiler: 0, work: 0 };
  for (const cost of costs) sums[kindOf(cost.name)] += cost.instructions;
  const perRequest = (instructions: number) => Math.round(instructions / requests);
  return {
    requests,
    total: perRequest(sums.gc + sums.compiler + sums.work),
    gc: perRequest(sums.gc),
    compiler: perRequest(sums.compiler),
    work: perRequest(sums.work),
    top: costs
      .filter((cost) => kindOf(cost.name) === 'work')
      .slice(0, topCount)
      .map((cost) => ({ name: cost.name, instructions: perRequest(cost.instructions) })),
  };
}

/**
 * Where a function's instructions belong, for a difference between two processes by layer. JavaScript
 * by its script (Switchyard's build, its libraries, Node's own); V8's runtime and builtins (property
 * loads and stores, JSON, strings, allocation) apart, since they are what JavaScript calls into and
 * callgrind charges them to themselves, not to their callers.
 */
export const INSTRUCTION_LAYERS: Array<[layer: string, pattern: RegExp]> = [
  // N-API is the binding's way into V8; no other native addon is on a prediction's path.
  ['onnxruntime (its native code, the binding, N-API)', /^native libonnxruntime|node_modules\/onnxruntime-(node|common)\/|Ort::|InferenceSessionWrap|TensorValue|^napi_|napi_env|Napi::/],
  ['Switchyard (JavaScript)', /\/dist\/(apps|libs)\//],
  ['Nest (JavaScript)', /node_modules\/(@nestjs\/|@fastify\/middie|rxjs|reflect-metadata)/],
  ['Fastify (JavaScript)', /node_modules\/(fastify|@fastify\/|find-my-way|secure-json-parse|fast-json-stringify|fast-querystring|toad-cache)\//],
  ['ioredis, prom-client (JavaScript)', /node_modules\/(ioredis|@ioredis\/|prom-client|denque|redis-parser|standard-as-callback|cluster-key-slot)\//],
  ['Node core (JavaScript)', /^JS:\S+ node:/],
  ['other JavaScript and regular expressions', /^(JS|RegExp):/],
  ['V8: JSON', /JsonParser|JsonStringifier|Strtod|StringToDouble|Dtoa|DoubleToCString|NumberToString/],
  ['V8: property access (inline caches, lookups, maps)', /IC_|IC$|ICTrampoline|ICBaseline|LookupIterator|Lookup|TransitionArray|FieldIndex|FastPropertyAt|DescriptorArray|Map::|HasOwnProperty|SetProperty|GetProperty|DefineKeyedOwn|DefineNamedOwn/],
  ['V8: other builtins and runtime', /^Builtins?_|^Builtin:|v8::|Runtime_/],
  ["libc, libuv, llhttp, Node's C++", /.*/],
];

export function instructionLayerOf(name: string): string {
  for (const [layer, pattern] of INSTRUCTION_LAYERS) if (pattern.test(name)) return layer;
  return INSTRUCTION_LAYERS[INSTRUCTION_LAYERS.length - 1][0];
}

export interface CostDifference {
  name: string;
  /** Per request (or event), in instructions: the subject's, the baseline's, and the first less the second. */
  subject: number;
  baseline: number;
  difference: number;
}

export interface WorkDifference {
  functions: CostDifference[];
  layers: CostDifference[];
}

/**
 * The work of one process against another's, per function and per layer, each per request and
 * largest difference first. A JavaScript function is one name whichever tier ran it (`*` optimized,
 * `^` baseline, `~` interpreted, which differ between processes and windows); garbage collection and
 * compilation are left out, as in {@link summariseWindow}.
 */
export function workDifference(
  subject: readonly FunctionCost[],
  subjectRequests: number,
  baseline: readonly FunctionCost[],
  baselineRequests: number,
): WorkDifference {
  const tally = (costs: readonly FunctionCost[], requests: number, keyOf: (name: string) => string) => {
    const sums = new Map<string, number>();
    for (const cost of costs) {
      if (kindOf(cost.name) !== 'work') continue;
      const key = keyOf(cost.name);
      sums.set(key, (sums.get(key) ?? 0) + cost.instructions / requests);
    }
    return sums;
  };
  const compare = (keyOf: (name: string) => string): CostDifference[] => {
    const ours = tally(subject, subjectRequests, keyOf);
    const theirs = tally(baseline, baselineRequests, keyOf);
    return [...new Set([...ours.keys(), ...theirs.keys()])]
      .map((name) => {
        const a = Math.round(ours.get(name) ?? 0);
        const b = Math.round(theirs.get(name) ?? 0);
        return { name, subject: a, baseline: b, difference: a - b };
      })
      .sort((x, y) => y.difference - x.difference || x.name.localeCompare(y.name));
  };
  return { functions: compare(anyTier), layers: compare(instructionLayerOf) };
}

/** A V8 code object's name without its tier mark: `JS:*f file` and `JS:^f file` are one function. */
function anyTier(name: string): string {
  return name.replace(/^JS:[*^~+]/, 'JS:');
}
