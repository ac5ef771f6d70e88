// Lint rules for every TypeScript/JavaScript file the project ships (engine, bench, scripts, site
// scripts). Formatting is Prettier's job (.prettierrc.json); these rules catch bugs and the two
// things the security core must never do: evaluate strings as code (no-eval, no-implied-eval,
// no-new-func).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'site/dist/**', 'site/.astro/**', 'node_modules/**', 'attestations/**', '.pcq/**', '**/*.astro'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    // Parsers and canonicalisers match control characters on purpose (RFC 8785 escapes, hostile
    // names, ANSI colour checks).
    rules: { 'no-control-regex': 'off' },
  },
  {
    // Tests poke at hostile shapes the types forbid.
    files: ['**/*.test.ts', 'engine/testing/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
