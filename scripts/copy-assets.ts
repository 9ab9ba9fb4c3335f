/**
 * The build's second step, after tsc: copies the files the compiled apps read at run time and tsc does
 * not emit (the dashboard's HTML, CSS and browser script; the gateway's gRPC .proto) to the same place under dist/.
 */
import { cpSync, rmSync } from 'node:fs';
import * as path from 'node:path';

/** Folders of run-time assets, relative to the repository root. */
const ASSET_DIRS = ['apps/registry/src/dashboard/page', 'apps/gateway/proto'];

/** The repository root: this script runs compiled, from dist/scripts/. */
const ROOT = path.resolve(__dirname, '..', '..');

for (const dir of ASSET_DIRS) {
  const target = path.join(ROOT, 'dist', dir);
  // Emptied first, so a file removed from the sources does not linger in the build.
  rmSync(target, { recursive: true, force: true });
  cpSync(path.join(ROOT, dir), target, { recursive: true });
}
