import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The repository root, when this file runs from its TypeScript source (libs/programs/src). */
const SOURCE_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * The compiled file to start a program by (a worker thread's, a child process's): `<name>.js` beside
 * `callerFile`, the caller's `__filename`.
 *
 * The built app runs from dist/, where that file sits beside the caller. Under Jest the caller runs
 * from its TypeScript source, compiled in memory by swc, and a new thread or process would not go
 * through that transform: it gets the same program as `npm run build` compiled it under dist/
 * (`npm test` builds first). Taking the compiled program rather than registering a TypeScript loader in
 * the child keeps what tests run identical to what production runs, and needs no extra dependency.
 */
export function programPath(callerFile: string, name: string, sourceRoot = SOURCE_ROOT): string {
  const beside = path.join(path.dirname(callerFile), `${name}.js`);
  if (!callerFile.endsWith('.ts')) return beside;
  const compiled = path.join(sourceRoot, 'dist', path.relative(sourceRoot, beside));
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build\` first (the ${name} program runs compiled, also under tests)`);
  return compiled;
}
