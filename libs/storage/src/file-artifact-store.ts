import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, access, constants } from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../../errors/src';
import { type ArtifactStore, assertSafeKey, type StoredObject } from './artifact-store';

async function fsyncPath(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Artifacts in a local folder, for one machine. Writes go to a temporary name, are fsynced, then renamed. */
export class FileArtifactStore implements ArtifactStore {
  readonly kind = 'file' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private pathOf(key: string): string {
    assertSafeKey(key);
    const resolved = path.resolve(this.root, key);
    if (!resolved.startsWith(this.root + path.sep)) throw new Error(`artifact key escapes the store root: ${key}`);
    return resolved;
  }

  async put(key: string, body: Readable): Promise<StoredObject> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${randomUUID()}`;
    try {
      await pipeline(body, createWriteStream(partial, { flags: 'wx' }));
      await fsyncPath(partial);
      await rename(partial, target);
      await fsyncPath(path.dirname(target));
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { uri: `file://${target}` };
  }

  async get(key: string): Promise<Readable> {
    const target = this.pathOf(key);
    try {
      await stat(target);
    } catch {
      throw new DomainError('ARTIFACT_NOT_FOUND', `no artifact is stored at ${key}`);
    }
    return createReadStream(target);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.W_OK);
  }
}
