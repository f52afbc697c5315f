// Typed lint. The domain rule keeps src/domain pure: no I/O, no clock, no randomness, no
// environment (STYLE.md §1). Breaking it fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const impureModules = [
  'node:*',
  'fs',
  'path',
  'http',
  'os',
  'crypto',
  'child_process',
  'net',
  'mysql2',
  'mysql2/*',
  'kysely',
  'kafkajs',
  'ioredis',
  'better-sqlite3',
  'fastify',
  'pino',
  'prom-client',
  '**/adapters/**',
  '**/app/**',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'bin/**',
      'console/**',
      'src/adapters/http/console/public/**',
      '.ci/**',
      'docs/**',
      'var/**',
      '*.config.js',
      'scripts/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    ignores: ['src/domain/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: impureModules, message: 'src/domain is pure: no I/O, adapters or app imports.' }] },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'src/domain must not read the environment.' },
        { name: 'setTimeout', message: 'src/domain has no clock.' },
        { name: 'setInterval', message: 'src/domain has no clock.' },
        { name: 'performance', message: 'src/domain has no clock.' },
        { name: 'fetch', message: 'src/domain does no I/O.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'src/domain has no clock: pass time in.',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'src/domain has no clock: pass time in.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'src/domain has no randomness: pass it in.',
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      // node:test's describe/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'test', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
