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

describe('the file store leaves no empty folder behind', () => {
  let root: string;
  let store: FileArtifactStore;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'switchyard-store-'));
    store = new FileArtifactStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const failing = () =>
    new Readable({
      read() {
        this.destroy(new Error('the client went away'));
      },
    });

  it('removes the folders of a failed put, up to the root', async () => {
    await expect(store.put(artifactKey('m', 1), failing())).rejects.toThrow('the client went away');
    expect(await readdir(root)).toEqual([]);
  });

  it('removes the version folder a delete empties, and the model folder once its last version goes', async () => {
    await store.put(artifactKey('m', 1), Readable.from([Buffer.from('one')]));
    await store.put(artifactKey('m', 2), Readable.from([Buffer.from('two')]));
    await expect(store.put(artifactKey('m', 3), failing())).rejects.toThrow();
    await store.delete(artifactKey('m', 1));
    expect(await readdir(path.join(root, 'models', 'm'))).toEqual(['2']);
    await store.delete(artifactKey('m', 2));
    expect(await readdir(root)).toEqual([]);
    // A later put makes its folders again.
    await store.put(artifactKey('m', 4), Readable.from([Buffer.from('four')]));
    expect(await store.exists(artifactKey('m', 4))).toBe(true);
  });
});
