// Lint: typescript-eslint's recommended rules on src, test, experiments and scripts.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'notebooks/', '.jupyter/', 'runs/', 'scratch/', 'scratch_*', 'gpu_bench/']  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `import x = require()` binds real module objects, which the wasm threads patch must mutate.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // These load packages by a computed name at run time (optional peers, version files, wasm glue).
    files: ['src/backend/native.ts', 'src/backend/wasm_threads.ts', 'src/cli/doctor.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['scripts/**/*.js', 'native/*.js', 'eslint.config.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
