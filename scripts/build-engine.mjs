// Bundles the engine's Node entry points and the Electron shell with esbuild. Packages stay
// external (they are installed next to the app), so only the project's own code is bundled.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...common,
    format: 'esm',
    entryPoints: {
      cli: 'engine/cli/entry.ts',
      'host-utility': 'engine/host/utility.ts',
      'backtest-worker': 'engine/backtest/worker.ts',
    },
    outdir: 'dist/engine',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  }),
  // The kernel alone is split: its dynamic imports (the lake, Arrow, the strategy compiler) become
  // chunks loaded on first use, so a kernel starts in about half the time. Only modules without
  // path assumptions (no import.meta.url) are loaded that way; the entries above stay single files.
  build({
    ...common,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/kernel-[name]-[hash]',
    entryPoints: { kernel: 'engine/kernel/child.ts' },
    outdir: 'dist/engine',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  }),
  build({ ...common, format: 'cjs', entryPoints: { main: 'app/main.ts', preload: 'app/preload.ts' }, outdir: 'dist/app', outExtension: { '.js': '.cjs' }, external: ['electron'] }),
]);
console.log('engine and app bundled into dist/');
