/**
 * Makes a bench script stop by itself: after `budgetS` seconds (a watchdog), or on SIGINT or SIGTERM,
 * it says why, runs `cleanup` (every process it started, by PID; its database, Redis keys and work
 * directory) and exits. Returns the watchdog, to clear once the script has ended on its own.
 */
export function stopWhenOverdueOrSignalled(who: string, budgetS: number, cleanup: () => Promise<void>): NodeJS.Timeout {
  const abort = (why: string, code: number) => {
    console.error(why);
    void cleanup().finally(() => process.exit(code));
  };
  const watchdog = setTimeout(() => abort(`${who} ran for more than ${budgetS} s; stopping everything it started`, 1), budgetS * 1000);
  watchdog.unref();
  process.once('SIGINT', () => abort(`interrupted; stopping everything ${who} started`, 130));
  process.once('SIGTERM', () => abort(`terminated; stopping everything ${who} started`, 143));
  return watchdog;
}
