// ESLint 9 flat config: typescript-eslint type-aware rules plus the module boundaries of the layers (README: Development).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const pureCoreImports = {
  patterns: [
    {
      group: ['node:fs*', 'node:http*', 'node:net', 'node:child_process', 'undici', 'cosmiconfig', '@oclif/*'],
      message: 'planner/render/model are pure: no I/O or CLI imports',
    },
    {
      group: ['**/apollo/**', '**/applier/**', '**/services/**', '**/commands/**', '**/cli/**', '**/emulator/**'],
      message: 'the pure core must not depend on outer layers',
    },
  ],
}

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench-results/**']},
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
  {
    files: ['src/planner/**/*.ts', 'src/render/**/*.ts', 'src/model/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', pureCoreImports],
      'no-restricted-globals': ['error', 'process', 'fetch', 'console'],
    },
  },
  {
    // The few plain-JS files (bin/, this config, scripts/bench/measure.js, which runs inside the
    // measured CLI process where no TypeScript loader may be, and the GitHub Action's scripts in
    // action/, CommonJS because actions/github-script loads them with require): lint their logic,
    // not their types.
    files: ['**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: {'no-undef': 'off'},
  },
  {
    files: ['action/**/*.cjs'],
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      // Tests poke at parsed JSON documents; the assertions are the type check there.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
)
