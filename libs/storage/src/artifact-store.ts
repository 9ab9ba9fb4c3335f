import type { Readable } from 'node:stream';

export const ARTIFACT_STORE = Symbol('ARTIFACT_STORE');

export interface StoredObject {
  /** file:///absolute/path or s3://bucket/key */
  uri: string;
}

/**
 * Immutable artifact bytes, addressed by key (`models/<name>/<version>/model.onnx`).
 * `put` resolves only once the bytes are durable; a failed or aborted put leaves nothing behind.
 */
export interface ArtifactStore {
  readonly kind: 'file' | 's3';
  put(key: string, body: Readable): Promise<StoredObject>;
  /** A stream of the bytes; rejects with ARTIFACT_NOT_FOUND when the key holds nothing. */
  get(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Throws when the store cannot be reached; used by /health/ready. */
  check(): Promise<void>;
}

const MODEL_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Triton-style layout. The name is validated again here so no caller can build a path outside the root. */
export function artifactKey(modelName: string, version: number): string {
  if (!MODEL_NAME.test(modelName)) throw new Error(`invalid model name for an artifact key: ${modelName}`);
  if (!Number.isSafeInteger(version) || version < 1) throw new Error(`invalid version for an artifact key: ${version}`);
  return `models/${modelName}/${version}/model.onnx`;
}

/** Keys are relative, slash-separated, with no empty, `.` or `..` segment and no NUL. */
export function assertSafeKey(key: string): void {
  const segments = key.split('/');
  const unsafe =
    key.length === 0 ||
    key.includes('\0') ||
    key.includes('\\') ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (unsafe) throw new Error(`unsafe artifact key: ${JSON.stringify(key)}`);
}
