// The rules our style asks for: promises are awaited or deliberately voided, and no test is focused,
// disabled or asserts with an expect that cannot fail. Type-aware, over the whole project.
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

// The boundaries of the layout (docs/architecture.md): a lib is imported as @switchyard/<lib>, never by a
// relative path into its folder; libs never import apps; no app imports another; the pure libs import
// no framework. no-restricted-imports keeps one list per file, so each block gives the whole list.
const APPS = ['registry', 'gateway', 'worker', 'cli'];
const PURE_LIBS = ['routing', 'tensor', 'statistics', 'domain'];
const LIB_BY_PATH = {
  group: ['**/libs/*/src', '**/libs/*/src/**'],
  message: 'Import a lib through its alias, @switchyard/<lib> (tsconfig.json paths).',
};
const OTHER_LIB_BY_PATH = {
  regex: '^(\\.\\./)+[^./][^/]*/src(/|$)',
  message: 'Import another lib through its alias, @switchyard/<lib>; relative paths stay inside one lib.',
};
const APPS_FROM_A_LIB = { group: ['**/apps/**'], message: 'Libs never import apps.' };
const FRAMEWORKS = { group: ['@nestjs/*', 'typeorm', 'ioredis', 'bullmq'], message: 'A pure lib imports no Nest, TypeORM or Redis.' };
const RUNTIME = { group: ['onnxruntime-node', 'onnx-proto'], message: 'libs/domain holds plain types only.' };
const otherApps = (app) =>
  APPS.filter((other) => other !== app).flatMap((other) => [
    { group: [`**/apps/${other}/**`], message: `apps/${app} never imports apps/${other}: share it through a lib.` },
    { regex: `^(\\.\\./)+${other}/(src|test)(/|$)`, message: `apps/${app} never imports apps/${other}: share it through a lib.` },
  ]);
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const boundaries = [
  { files: ['**/*.ts'], ignores: ['libs/**'], rules: restrict(LIB_BY_PATH) },
  ...APPS.map((app) => ({ files: [`apps/${app}/**/*.ts`], rules: restrict(LIB_BY_PATH, ...otherApps(app)) })),
  { files: ['libs/**/*.ts'], rules: restrict(OTHER_LIB_BY_PATH, APPS_FROM_A_LIB) },
  ...PURE_LIBS.map((lib) => ({
    files: [`libs/${lib}/**/*.ts`],
    rules: restrict(OTHER_LIB_BY_PATH, APPS_FROM_A_LIB, FRAMEWORKS, ...(lib === 'domain' ? [RUNTIME] : [])),
  })),
];

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', '**/*.js', '**/*.mjs', '!apps/registry/src/dashboard/page/*.js'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  ...boundaries,
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/*.suite.ts'],
    plugins: { jest },
    rules: {
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/valid-expect': 'error',
      'jest/no-standalone-expect': 'off',
    },
  },
  // The dashboard's browser script: plain JavaScript served as it is, so the rules that catch a typo
  // (an undeclared name, a value never used) in the browser's globals, with Chart.js loaded before it.
  {
    files: ['apps/registry/src/dashboard/page/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        URLSearchParams: 'readonly',
        setInterval: 'readonly',
        Chart: 'readonly',
      },
    },
    rules: { 'no-undef': 'error', 'no-unused-vars': 'error', strict: ['error', 'global'] },
  },
);
