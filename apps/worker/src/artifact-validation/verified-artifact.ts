import { createHash } from 'node:crypto';

/** What the registry recorded when the artifact was uploaded. */
export interface ExpectedArtifact {
  sha256: string;
  sizeBytes: number;
}

/**
 * The stored bytes are not the bytes that were uploaded. Reading them again will not change that,
 * so validation fails the version instead of retrying.
 */
export class ArtifactIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactIntegrityError';
  }
}

/**
 * Reads a whole artifact into memory, hashing on the way, and returns it only if its size and sha256
 * are the ones recorded at upload. The buffer is allocated once at the recorded size, so a model
 * costs its own size in memory (not twice, as collecting chunks and concatenating would), and a
 * store object longer than recorded is refused as soon as it overflows rather than read to its end.
 * Errors of the stream itself (a connection cut mid-body) are passed through as they are.
 */
export async function readVerifiedArtifact(body: AsyncIterable<Uint8Array>, expected: ExpectedArtifact): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(expected.sizeBytes);
  const hash = createHash('sha256');
  let received = 0;
  for await (const chunk of body) {
    if (received + chunk.length > expected.sizeBytes) {
      throw new ArtifactIntegrityError(
        `size mismatch: expected ${expected.sizeBytes} bytes, the store holds more than that`,
      );
    }
    bytes.set(chunk, received);
    hash.update(chunk);
    received += chunk.length;
  }
  if (received !== expected.sizeBytes) {
    throw new ArtifactIntegrityError(`size mismatch: expected ${expected.sizeBytes} bytes, the store holds ${received}`);
  }
  const actual = hash.digest('hex');
  if (actual !== expected.sha256) {
    throw new ArtifactIntegrityError(`sha256 mismatch: expected ${expected.sha256}, stored bytes hash to ${actual}`);
  }
  return bytes;
}
