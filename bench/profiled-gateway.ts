import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * The gateway with an in-process V8 CPU profiler that the bench switches with SIGUSR1: the first signal
 * starts sampling, the second stops it and writes the profile (a .cpuprofile, readable by Chrome
 * DevTools) to BENCH_PROFILE_FILE. Used by `run.js --profile <dir>` to profile scenario 1 alone; the
 * gateway's own shutdown (SIGTERM → exit by signal) never reaches the exit hook `node --cpu-prof` needs.
 * SIGUSR1, not SIGUSR2: NestJS's shutdown hooks treat SIGUSR2 as a shutdown signal. (A SIGUSR1 listener
 * also keeps Node from opening its inspector port on that signal, which is what we want here.)
 */
const file = process.env.BENCH_PROFILE_FILE;
if (!file) throw new Error('BENCH_PROFILE_FILE is required');
const session = new Session();
session.connect();
let profiling = false;
process.on('SIGUSR1', () => {
  if (!profiling) {
    profiling = true;
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
    return;
  }
  profiling = false;
  session.post('Profiler.stop', (error, result) => {
    if (error) console.error(`profile not written: ${error.message}`);
    else writeFileSync(file, JSON.stringify(result.profile));
  });
});

require('../apps/gateway/src/main');
