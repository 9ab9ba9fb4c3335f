// The rules our style asks for: promises are awaited or deliberately voided, and no test is focused,
// disabled or asserts with an expect that cannot fail. Type-aware, over the whole project.
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

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
