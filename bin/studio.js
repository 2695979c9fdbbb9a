#!/usr/bin/env node
// The `studio` command. The engine is bundled by `npm run build` (run on install by `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'engine', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write(`studio: ${cli} is missing: build the studio first with \`npm run build\` in ${root}\n`);
  process.exit(1);
}
await import(pathToFileURL(cli).href);
