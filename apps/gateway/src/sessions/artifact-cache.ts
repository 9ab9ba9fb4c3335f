import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { TypedConfig } from '@switchyard/config';
import { RegistryClient } from '../registry-client/registry-client.service';

/** The bytes could not be fetched (registry or store unreachable, a 5xx): worth trying again later. */
export class ArtifactUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArtifactUnavailableError';
  }
}

export class ArtifactIntegrityError extends Error {
  constructor(expected: string, actual: string) {
    super(`sha256 mismatch: expected ${expected}, the bytes received hash to ${actual}`);
    this.name = 'ArtifactIntegrityError';
  }
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Artifacts on local disk by sha256. A gateway restarted while the registry or S3 is down still loads
 * what it served before. Every read is verified, so a corrupt file is refetched, never loaded. The
 * same directory keeps the deployment snapshot a restart falls back on (readJson, writeJson).
 */
@Injectable()
export class ArtifactCache {
  private readonly directory: string;

  constructor(
    config: TypedConfig,
    private readonly registry: RegistryClient,
  ) {
    this.directory = config.get('GATEWAY_CACHE_DIR');
  }

  private fileOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.directory, `${sha256}.onnx`);
  }

  async bytes(sha256: string, artifactUrl: string): Promise<Buffer> {
    const file = this.fileOf(sha256);
    const cached = await readFile(file).catch(() => null);
    if (cached && sha256Of(cached) === sha256) return cached;
    if (cached) await rm(file, { force: true });

    let bytes: Buffer;
    try {
      const response = await this.registry.artifact(artifactUrl);
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw new ArtifactUnavailableError(error instanceof Error ? error.message : String(error), { cause: error });
    }
    const actual = sha256Of(bytes);
    if (actual !== sha256) throw new ArtifactIntegrityError(sha256, actual);

    await mkdir(this.directory, { recursive: true });
    const partial = `${file}.${randomUUID()}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, file);
    return bytes;
  }

  async readJson<T>(name: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(path.join(this.directory, name), 'utf8')) as T;
    } catch {
      return null;
    }
  }

  /** Replaces the file `name` with the JSON text `json` at once (written beside it, then renamed). */
  async writeJson(name: string, json: string): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const target = path.join(this.directory, name);
    const partial = `${target}.${randomUUID()}.partial`;
    await writeFile(partial, json);
    await rename(partial, target);
  }
}
