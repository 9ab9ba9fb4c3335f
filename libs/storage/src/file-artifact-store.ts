import { randomUUID } from 'node:crypto';
import { createReadStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, rm, rmdir, stat, access, constants } from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '@switchyard/errors';
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
    const partial = `${target}.partial-${randomUUID()}`;
    try {
      await pipeline(body, await this.createInFolder(partial));
      await fsyncPath(partial);
      await rename(partial, target);
      await fsyncPath(path.dirname(target));
    } catch (error) {
      await rm(partial, { force: true });
      await this.removeEmptyFolders(path.dirname(target));
      throw error;
    }
    return { uri: `file://${target}` };
  }

  /**
   * Opens a new file, creating its folders. A failed upload of another version may remove the model's
   * folder the moment it becomes empty (removeEmptyFolders), between our mkdir and our open: then the
   * folders are made again. Once the file exists its folders are not empty, so they stay.
   */
  private async createInFolder(file: string): Promise<WriteStream> {
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(path.dirname(file), { recursive: true });
        const handle = await open(file, 'wx');
        return handle.createWriteStream();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 5) throw error;
      }
    }
  }

  /** Removes `folder` and then each parent below the root, as long as they are empty. */
  private async removeEmptyFolders(folder: string): Promise<void> {
    for (let current = folder; current.startsWith(this.root + path.sep); current = path.dirname(current)) {
      try {
        // rmdir refuses a folder that is not empty, atomically: a concurrent upload's file is never lost.
        await rmdir(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
      }
    }
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

  /** Removes the object and the folders it leaves empty (its version's, then its model's). */
  async delete(key: string): Promise<void> {
    const target = this.pathOf(key);
    await rm(target, { force: true });
    await this.removeEmptyFolders(path.dirname(target));
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.W_OK);
  }
}
