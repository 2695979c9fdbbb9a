import { defineConfig } from 'vite';
import path from 'node:path';

// The renderer is built once (npm run build) and served as static files by `studio serve` and
// loaded from disk by Electron, so asset paths are relative.
export default defineConfig({
  root: path.resolve(__dirname),
  base: './',
  build: {
    outDir: path.resolve(__dirname, '../dist/renderer'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 6000,
    sourcemap: false,
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
