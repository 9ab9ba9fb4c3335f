/**
 * Jest's globalSetup and globalTeardown are required by Node itself, outside the module registry that
 * applies jest.config.js's moduleNameMapper, so the @switchyard/<lib> aliases (tsconfig.json paths)
 * are resolved here for them: imported first by both, before any module that imports a lib.
 */
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const paths = (JSON.parse(readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } })
  .compilerOptions.paths;

function aliasTarget(request: string): string | undefined {
  if (paths[request]) return path.join(root, paths[request][0]);
  const lib = /^@switchyard\/([^/]+)$/.exec(request)?.[1];
  return lib === undefined ? undefined : path.join(root, paths['@switchyard/*'][0].replace('*', lib));
}

type Resolve = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolve };
const resolve = loader._resolveFilename;
loader._resolveFilename = (request, ...rest) => resolve(aliasTarget(request) ?? request, ...rest);
