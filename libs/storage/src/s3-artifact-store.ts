import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { DomainError } from '@switchyard/errors';
import { type ArtifactStore, assertSafeKey, type StoredObject } from './artifact-store';

export interface S3StoreOptions {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** Multipart parts of 8 MiB, two in flight: memory stays near 16 MiB whatever the artifact's size. */
const PART_SIZE = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

/** Artifacts in S3 or any S3-compatible server (MinIO, s3rver), streamed with multipart upload. */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(private readonly options: S3StoreOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      // Streamed bodies are otherwise sent aws-chunked with trailing checksums, which some
      // S3-compatible servers store verbatim inside the object (s3rver keeps the chunk framing in
      // the stored bytes and still answers 200).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private objectKey(key: string): string {
    assertSafeKey(key);
    return this.options.prefix ? `${this.options.prefix}/${key}` : key;
  }

  async put(key: string, body: Readable): Promise<StoredObject> {
    const objectKey = this.objectKey(key);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key: objectKey, Body: body, ContentType: 'application/octet-stream' },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    // If the source fails midway (client cut off, size limit), stop the upload rather than let it finish short.
    const onSourceError = () => void upload.abort().catch(() => undefined);
    body.once('error', onSourceError);
    try {
      await upload.done();
    } catch (error) {
      // Aborting because the source failed surfaces as "Upload aborted": report the source's reason.
      throw body.errored ?? error;
    } finally {
      body.off('error', onSourceError);
    }
    if (body.errored) {
      await this.delete(key);
      throw body.errored;
    }
    return { uri: `s3://${this.options.bucket}/${objectKey}` };
  }

  async get(key: string): Promise<Readable> {
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }),
      );
      return result.Body as Readable;
    } catch (error) {
      if (error instanceof NoSuchKey || error instanceof NotFound) {
        throw new DomainError('ARTIFACT_NOT_FOUND', `no artifact is stored at ${key}`);
      }
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      if (error instanceof NotFound || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        return false;
      }
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
  }

  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
  }

  destroy(): void {
    this.client.destroy();
  }
}
