// Lint rules that keep the layers honest: the pure core may not reach Node, the DOM or Electron,
// and the renderer may not reach Node or the engine's Node side.
import tseslint from 'typescript-eslint';

// Exact module names, not patterns: a pattern like 'events' would also match the core's own
// '../events' module. The `node:` prefix is matched as a pattern.
const nodeModules = ['fs', 'fs/promises', 'path', 'os', 'child_process', 'worker_threads', 'net', 'http', 'https', 'crypto', 'url', 'stream', 'events', 'util', 'buffer', 'vm', 'module', 'perf_hooks', 'readline', 'zlib'];
const nodeBuiltins = (message) => ({
  paths: nodeModules.map((name) => ({ name, message })),
  patterns: [{ group: ['node:*'], message }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**', 'docs/**', 'scratch/**', '.ci-out/**', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['engine/core/**/*.ts'],
    ignores: ['engine/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins('engine/core is pure TypeScript: no Node built-ins.').paths,
        patterns: [
          ...nodeBuiltins('engine/core is pure TypeScript: no Node built-ins.').patterns,
          { group: ['electron', 'react', 'react-dom', '@duckdb/*', 'ws'], message: 'engine/core is pure TypeScript.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'window', message: 'no DOM in engine/core' },
        { name: 'document', message: 'no DOM in engine/core' },
        { name: 'process', message: 'no Node in engine/core' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'read time from the injected Clock' },
        { object: 'Math', property: 'random', message: 'use the seeded random source' },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/vite.config.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins('the renderer never touches Node.').paths,
        patterns: [
          ...nodeBuiltins('the renderer never touches Node.').patterns,
          { group: ['electron', '@duckdb/*', 'ws', 'pino', '**/engine/host/**', '**/engine/kernel/**', '**/engine/lake/**'], message: 'the renderer talks to the host through the RPC contract only.' },
        ],
      }],
    },
  },
);
