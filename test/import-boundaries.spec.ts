import { execFileSync } from 'node:child_process';

// The layout's boundaries are lint rules (eslint.config.mjs); this holds each one against an import
// that crosses it, with the rule as the project's config gives it to a file in that place. ESLint
// loads its config as an ES module, which Jest's module system cannot, so a plain Node child lints.
const LINT = `
const { ESLint, Linter } = require('eslint');
const cases = JSON.parse(process.argv[1]);
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const [file, source] of cases) {
    const rule = (await eslint.calculateConfigForFile(file)).rules?.['no-restricted-imports'];
    const messages = rule ? new Linter({ cwd: process.cwd() }).verify(source, [{ files: ['**/*.ts'], rules: { 'no-restricted-imports': rule } }], file) : [];
    out.push(messages.map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

function lint(cases: [string, string][]): string[][] {
  return JSON.parse(execFileSync(process.execPath, ['-e', LINT, JSON.stringify(cases)], { encoding: 'utf8' })) as string[][];
}

const REFUSED: [string, string, string][] = [
  ['apps/gateway/src/probe.ts', "import '../../registry/src/main';", 'never imports apps/registry'],
  ['apps/worker/src/probe.ts', "import '../../../apps/cli/src/main';", 'never imports apps/cli'],
  ['apps/gateway/src/probe.ts', "import '../../../libs/errors/src';", '@switchyard/<lib>'],
  ['test/probe.ts', "import '../libs/onnx/src/signature';", '@switchyard/<lib>'],
  ['libs/queues/src/probe.ts', "import '../../../apps/gateway/src/main';", 'Libs never import apps'],
  ['libs/queues/src/probe.ts', "import '../../onnx/src/signature';", '@switchyard/<lib>'],
  ['libs/tensor/src/probe.ts', "import '@nestjs/common';", 'no Nest, TypeORM or Redis'],
  ['libs/routing/src/probe.ts', "import 'ioredis';", 'no Nest, TypeORM or Redis'],
  ['libs/statistics/src/probe.ts', "import 'typeorm';", 'no Nest, TypeORM or Redis'],
  ['libs/domain/src/probe.ts', "import 'onnxruntime-node';", 'plain types only'],
];
const ALLOWED: [string, string][] = [
  ['apps/gateway/src/probe.ts', "import '@switchyard/errors';"],
  ['apps/gateway/src/probe.ts', "import './predict/predict.service';"],
  ['libs/tensor/src/probe.ts', "import '@switchyard/onnx';"],
  ['libs/persistence/src/entities/probe.ts', "import './model.entity';"],
  ['libs/queues/src/probe.ts', "import 'ioredis';"],
];

describe('import boundaries', () => {
  let refused: string[][];
  let allowed: string[][];

  beforeAll(() => {
    const results = lint([...REFUSED.map(([file, source]) => [file, source] as [string, string]), ...ALLOWED]);
    refused = results.slice(0, REFUSED.length);
    allowed = results.slice(REFUSED.length);
  });

  it.each(REFUSED.map((row, index) => [...row, index] as const))('%s: %s is refused (%s)', (_file, _source, reason, index) => {
    expect(refused[index].join('\n')).toContain(reason);
  });

  it.each(ALLOWED.map((row, index) => [...row, index] as const))('%s: %s is allowed', (_file, _source, index) => {
    expect(allowed[index]).toEqual([]);
  });
});
