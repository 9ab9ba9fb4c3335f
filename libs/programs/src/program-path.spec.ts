import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { programPath } from './program-path';

describe('programPath', () => {
  let root: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'program-path-'));
    fs.mkdirSync(path.join(root, 'dist', 'apps', 'a', 'src'), { recursive: true });
    fs.writeFileSync(path.join(root, 'dist', 'apps', 'a', 'src', 'child.js'), '');
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('starts the compiled program beside a compiled caller', () => {
    expect(programPath(path.join(root, 'dist', 'apps', 'a', 'src', 'parent.js'), 'child', root)).toBe(path.join(root, 'dist', 'apps', 'a', 'src', 'child.js'));
  });

  it('starts the program compiled under dist/ when the caller runs from its TypeScript source', () => {
    expect(programPath(path.join(root, 'apps', 'a', 'src', 'parent.ts'), 'child', root)).toBe(path.join(root, 'dist', 'apps', 'a', 'src', 'child.js'));
  });

  it('says to build when the compiled program is missing', () => {
    expect(() => programPath(path.join(root, 'apps', 'b', 'src', 'parent.ts'), 'child', root)).toThrow(/npm run build/);
  });
});
