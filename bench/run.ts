import { stopWhenOverdueOrSignalled } from './bounded-run';
import { parseArgs, USAGE } from './options';
import { Bench } from './runner';

/**
 * `npm run bench`: the gateway against the bare limit. Starts everything on loopback (a fresh database
 * and Redis prefix), registers models built in code, drives the gateway with autocannon and reports each
 * figure as a ratio to two baselines measured in the same run: a bare Fastify server doing the same job
 * (bench/bare-server.ts) and onnxruntime-node in process (a tight loop of session.run, batch 1).
 * Prints one table, writes bench/results/<timestamp>.json. See bench/README.md.
 */
async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    console.log(USAGE);
    return;
  }
  if (parsed.kind === 'error') {
    console.error(`${parsed.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const { options } = parsed;
  const bench = new Bench(options);
  // About 24 load runs of warm-up + duration (scenario 6 counts three; bare runs around 1, 1d, 2 and 3, log-off runs around 1), set-up,
  // and the upload at ≥ 20 MB/s: a default run takes 5–7 minutes; the watchdog ends it at 9.5 unless long
  // durations were asked for.
  const estimateS = 120 + 24 * (options.durationS + 2) + options.uploadMib / 20;
  const budgetS = Math.max(570, Math.ceil(estimateS * 1.5));
  const watchdog = stopWhenOverdueOrSignalled('the bench', budgetS, () => bench.cleanup());
  let exitCode = 1;
  try {
    exitCode = await bench.runAll();
  } finally {
    await bench.cleanup();
    clearTimeout(watchdog);
  }
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
