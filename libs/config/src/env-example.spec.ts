import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { envSchema, validateEnv } from './index';

/** `.env.example` is the documented contract: it must list every variable the apps read, and no other. */
describe('.env.example', () => {
  const text = readFileSync(path.join(__dirname, '..', '..', '..', '.env.example'), 'utf8');
  const listed = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) listed.set(match[1], match[2]);
  }

  it('names every variable of the schema', () => {
    const missing = Object.keys(envSchema.shape).filter((name) => !listed.has(name));
    expect(missing).toEqual([]);
  });

  it('gives defaults that validate', () => {
    const active = Object.fromEntries([...listed].filter(([name]) => name in envSchema.shape && !text.includes(`# ${name}=`)));
    expect(() => validateEnv(active)).not.toThrow();
  });
});
