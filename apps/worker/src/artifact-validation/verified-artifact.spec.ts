import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ArtifactIntegrityError, readVerifiedArtifact } from './verified-artifact';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The bytes in chunks of `size`, as a store would stream them. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return Readable.from(chunks);
}

describe('readVerifiedArtifact', () => {
  const bytes = randomBytes(100_000);
  const expected = { sha256: sha256(bytes), sizeBytes: bytes.length };

  it('returns the bytes when size and sha256 match', async () => {
    const read = await readVerifiedArtifact(chunked(bytes, 16_384), expected);
    expect(read.equals(bytes)).toBe(true);
  });

  it('refuses bytes whose sha256 differs, naming both digests', async () => {
    const altered = Buffer.from(bytes);
    altered[500] ^= 0xff;
    const error = await readVerifiedArtifact(chunked(altered, 16_384), expected).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactIntegrityError);
    expect((error as Error).message).toBe(`sha256 mismatch: expected ${expected.sha256}, stored bytes hash to ${sha256(altered)}`);
  });

  it('refuses a shorter object', async () => {
    await expect(readVerifiedArtifact(chunked(bytes.subarray(0, 99_000), 16_384), expected)).rejects.toThrow(
      'size mismatch: expected 100000 bytes, the store holds 99000',
    );
  });

  it('stops reading a longer object as soon as it overflows the recorded size', async () => {
    let served = 0;
    async function* endless() {
      for (;;) {
        served += 16_384;
        yield randomBytes(16_384);
      }
    }
    await expect(readVerifiedArtifact(endless(), expected)).rejects.toThrow(
      'size mismatch: expected 100000 bytes, the store holds more than that',
    );
    expect(served).toBeLessThanOrEqual(expected.sizeBytes + 16_384);
  });

  it('passes a stream error through as it is, for the caller to retry', async () => {
    const cut = new Error('socket hang up');
    const body = new Readable({ read() {} });
    body.push(bytes.subarray(0, 1000));
    setImmediate(() => body.destroy(cut));
    await expect(readVerifiedArtifact(body, expected)).rejects.toBe(cut);
  });
});
