import * as path from 'node:path';
import { EVENTS_PER_STREAM_ENTRY } from '@switchyard/queues';
import type { CommandLine } from './cli';
import { LIGHT_FEATURES_USAGE } from './models';
import { SCENARIOS } from './scenarios';

/** The bench's command line: `npm run bench -- [options]`. */

export const USAGE = `usage: node dist/bench/run.js [options]        (npm run bench -- [options])

  --only <list>          scenarios to run, by number or name, comma-separated (default: all)
                         ${SCENARIOS.map((s) => `${s.id} ${s.name}`).join(', ')}
  --duration <s>         seconds per measured load run (default 10; scenario 6 runs 3x this)
  --connections <n>      connections for scenarios 1-3, 6 and the bare baseline (default 32;
                         scenario 4 uses 2n, scenario 5 n on heavy and n/4 on light)
  --upload-mib <n>       size of the scenario 8 upload in MiB (default 1024)
  --ingest-events <n>    events pushed through the worker in scenario 9 (default 200000, a multiple of ${EVENTS_PER_STREAM_ENTRY})
  --profile <dir>        take a V8 CPU profile of the gateway during scenario 1 and print its top
                         self-time functions (the profiler slows the gateway: figures are not comparable)
  --help                 this message

${LIGHT_FEATURES_USAGE} GATEWAY_* variables reach the gateways.`;

export interface Options {
  only: number[];
  durationS: number;
  connections: number;
  uploadMib: number;
  ingestEvents: number;
  profileDir: string | null;
}

/** The options that take a positive number: the field each sets and what else it must be. */
const NUMERIC = new Map<string, { field: 'durationS' | 'connections' | 'uploadMib' | 'ingestEvents'; integer: boolean; multipleOf?: number }>([
  ['--duration', { field: 'durationS', integer: false }],
  ['--connections', { field: 'connections', integer: true }],
  ['--upload-mib', { field: 'uploadMib', integer: true }],
  // Scenario 9 pushes its events in full stream entries, as the gateways write them.
  ['--ingest-events', { field: 'ingestEvents', integer: true, multipleOf: EVENTS_PER_STREAM_ENTRY }],
]);

export function parseArgs(argv: string[]): CommandLine<Options> {
  const options: Options = { only: SCENARIOS.map((s) => s.id), durationS: 10, connections: 32, uploadMib: 1024, ingestEvents: 200_000, profileDir: null };
  const positive = (flag: string, raw: string | undefined, integer: boolean): number | string => {
    const value = Number(raw);
    if (raw === undefined || raw === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      return `${flag} expects a positive ${integer ? 'integer' : 'number'}, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`;
    }
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    const match = /^(--[a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) return { kind: 'error', message: `unexpected argument ${JSON.stringify(arg)}` };
    const flag = match[1];
    const takeValue = () => (match[2] !== undefined ? match[2] : argv[++i]);
    const numeric = NUMERIC.get(flag);
    if (numeric) {
      const value = positive(flag, takeValue(), numeric.integer);
      if (typeof value === 'string') return { kind: 'error', message: value };
      if (numeric.multipleOf && value % numeric.multipleOf !== 0) return { kind: 'error', message: `${flag} expects a multiple of ${numeric.multipleOf}, got ${value}` };
      options[numeric.field] = value;
      continue;
    }
    switch (flag) {
      case '--only': {
        const raw = takeValue();
        if (!raw) return { kind: 'error', message: '--only expects a list of scenarios' };
        const ids: number[] = [];
        for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
          const found = SCENARIOS.find((s) => String(s.id) === item || s.name === item.toLowerCase());
          if (!found) return { kind: 'error', message: `unknown scenario ${JSON.stringify(item)}` };
          if (!ids.includes(found.id)) ids.push(found.id);
        }
        if (ids.length === 0) return { kind: 'error', message: '--only expects a list of scenarios' };
        options.only = ids.sort((a, b) => a - b);
        break;
      }
      case '--profile': {
        const raw = takeValue();
        if (!raw) return { kind: 'error', message: '--profile expects a directory' };
        options.profileDir = path.resolve(raw);
        break;
      }
      default:
        return { kind: 'error', message: `unknown option ${flag}` };
    }
  }
  return { kind: 'run', options };
}
