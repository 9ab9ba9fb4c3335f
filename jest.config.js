/**
 * Unit tests sit beside the code (`*.spec.ts`); integration tests live in `apps/<app>/test/*.e2e-spec.ts`
 * and `test/*.e2e-spec.ts` and run against the real PostgreSQL and Redis on the machine and an s3rver
 * started on loopback by the global setup (a fresh database and Redis prefix per run, dropped after).
 */
const fs = require('node:fs');
const path = require('node:path');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

// NestJS 12 and several of its dependencies ship ES modules; Jest on Node 20 cannot require() them,
// so every package that declares "type": "module" is compiled to CommonJS like our own code.
function esmPackages(root = path.join(__dirname, 'node_modules')) {
  const names = [];
  for (const entry of fs.readdirSync(root)) {
    if (entry.startsWith('.')) continue;
    const dirs = entry.startsWith('@') ? fs.readdirSync(path.join(root, entry)).map((d) => `${entry}/${d}`) : [entry];
    for (const name of dirs) {
      try {
        const manifest = JSON.parse(fs.readFileSync(path.join(root, name, 'package.json'), 'utf8'));
        if (manifest.type === 'module') names.push(name.replace(/[.+]/g, '\\$&'));
      } catch {
        // not a package folder
      }
    }
  }
  return names;
}

// The @switchyard/<lib> aliases, read from tsconfig.json's paths so that Jest and tsc resolve them alike.
function libAliases() {
  const { paths } = JSON.parse(fs.readFileSync(path.join(__dirname, 'tsconfig.json'), 'utf8')).compilerOptions;
  return Object.fromEntries(
    Object.entries(paths).map(([alias, [target]]) => [
      `^${alias.replace(/[.+]/g, '\\$&').replace('*', '([^/]+)')}$`,
      `<rootDir>/${target.replace(/^\.\//, '').replace('*', '$1')}`,
    ]),
  );
}

module.exports = {
  rootDir: '.',
  testEnvironment: '<rootDir>/test/support/node-environment.js',
  testMatch: ['<rootDir>/{apps,libs,scripts,bench,test}/**/*.spec.ts', '<rootDir>/{apps,libs,test}/**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().join('|')})/)`],
  // GitHub's workflow parser (test/workflows.e2e-spec.ts) exports only an `import` condition, which
  // Jest's CommonJS resolver does not follow; its files are ES modules that the transform above compiles.
  moduleNameMapper: {
    ...libAliases(),
    '^@actions/(workflow-parser|expressions)$': '<rootDir>/node_modules/@actions/$1/dist/index.js',
    '^@actions/(workflow-parser|expressions)/(.*)$': '<rootDir>/node_modules/@actions/$1/dist/$2.js',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
