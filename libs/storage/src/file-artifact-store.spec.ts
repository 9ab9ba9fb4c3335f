import { mkdtemp, readdir, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { artifactKey, assertSafeKey } from './artifact-store';
import { FileArtifactStore } from './file-artifact-store';

describe('the file store cannot be led outside its root', () => {
  let parent: string;
  let store: FileArtifactStore;
  beforeEach(async () => {
    parent = await mkdtemp(path.join(os.tmpdir(), 'switchyard-store-'));
    store = new FileArtifactStore(path.join(parent, 'root'));
  });
  afterEach(() => rm(parent, { recursive: true, force: true }));

  const hostileKeys = [
    '../escaped',
    'models/../../escaped',
    '/etc/passwd',
    'models//x',
    'models/./x',
    'models\\..\\..\\escaped',
    'models/x\0.onnx',
    '',
    '..',
  ];

  it.each(hostileKeys)('refuses key %j for put, get, exists and delete, writing nothing', async (key) => {
    await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toThrow(/unsafe artifact key|escapes the store root/);
    await expect(store.get(key)).rejects.toThrow(/unsafe artifact key|escapes the store root/);
    await expect(store.delete(key)).rejects.toThrow(/unsafe artifact key|escapes the store root/);
    expect(await store.exists(key)).toBe(false);
    expect(await readdir(parent)).toEqual([]);
  });

  it.each([
    ['../x', 1],
    ['..', 1],
    ['a/b', 1],
    ['A', 1],
    ['x'.repeat(64), 1],
    ['ok', 0],
    ['ok', -1],
    ['ok', 1.5],
    ['ok', Number.NaN],
  ])('builds no key from model %j and version %j', (model, version) => {
    expect(() => artifactKey(model, version)).toThrow(/invalid (model name|version)/);
  });

  it('keeps what valid names and versions build inside the root', async () => {
    const key = artifactKey('fraud-scorer_2', 7);
    expect(() => assertSafeKey(key)).not.toThrow();
    const stored = await store.put(key, Readable.from([Buffer.from('bytes')]));
    expect(stored.uri).toBe(`file://${path.join(parent, 'root', 'models', 'fraud-scorer_2', '7', 'model.onnx')}`);
  });
});
