import { Client } from 'pg';
import { InferenceSession } from 'onnxruntime-node';
import { type ModelSignature, signatureOfSession } from '@switchyard/onnx';
import { call, uploadForm } from './client';
import { testRun, uniqueSuffix } from './test-env';

export const FP32_SIGNATURE: ModelSignature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }],
};

/**
 * Stands in for the validation worker where a test is about something else (aliases, traffic): sets a
 * version's status and signature directly in the run's database.
 */
export async function setVersionStatus(
  model: string,
  version: number,
  status: 'ready' | 'failed' | 'pending',
  signature: ModelSignature | null = status === 'ready' ? FP32_SIGNATURE : null,
  databaseUrl = testRun().databaseUrl,
): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query(
      `UPDATE model_versions v SET status = $3, signature = $4, status_reason = $5
         FROM models m WHERE v.model_id = m.id AND m.name = $1 AND v.version = $2`,
      [model, version, status, signature === null ? null : JSON.stringify(signature), status === 'failed' ? 'fixture failure' : null],
    );
    if (result.rowCount !== 1) throw new Error(`no version ${model}/${version} to mark ${status}`);
  } finally {
    await client.end();
  }
}

/** Registers a model and uploads `count` versions (random bytes); returns the model's name. */
export async function modelWithVersions(registryUrl: string, count: number, prefix = 'm'): Promise<string> {
  const name = `${prefix}-${uniqueSuffix()}`;
  const created = await call(`${registryUrl}/v1/models`, { method: 'POST', json: { name } });
  if (created.status !== 201) throw new Error(`could not create model: ${JSON.stringify(created.body)}`);
  for (let i = 0; i < count; i++) {
    const uploaded = await call(`${registryUrl}/v1/models/${name}/versions`, {
      method: 'POST',
      body: uploadForm(new TextEncoder().encode(`artifact ${i} of ${name}`)),
    });
    if (uploaded.status !== 201) throw new Error(`could not upload: ${JSON.stringify(uploaded.body)}`);
  }
  return name;
}

/**
 * Uploads real ONNX bytes as a new version and marks it ready with the signature onnxruntime reads
 * from them (what the validation worker would record). Returns the version number.
 */
export async function uploadReadyVersion(
  registryUrl: string,
  model: string,
  bytes: Uint8Array,
  databaseUrl = testRun().databaseUrl,
): Promise<number> {
  const uploaded = await call(`${registryUrl}/v1/models/${model}/versions`, { method: 'POST', body: uploadForm(bytes) });
  if (uploaded.status !== 201) throw new Error(`could not upload: ${JSON.stringify(uploaded.body)}`);
  const session = await InferenceSession.create(Buffer.from(bytes));
  try {
    await setVersionStatus(model, uploaded.body.version, 'ready', signatureOfSession(session), databaseUrl);
  } finally {
    await session.release();
  }
  return uploaded.body.version;
}

export async function createModel(registryUrl: string, prefix = 'm'): Promise<string> {
  const name = `${prefix}-${uniqueSuffix()}`;
  const created = await call(`${registryUrl}/v1/models`, { method: 'POST', json: { name } });
  if (created.status !== 201) throw new Error(`could not create model: ${JSON.stringify(created.body)}`);
  return name;
}
