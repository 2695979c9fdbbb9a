// Opening a workspace: creating its folders, seeding a new one with the shipped example
// notebooks and the sample dataset, and reading its settings.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSettings, type Settings, type SettingsProblem } from '../workspace/settings';
import { writeFileAtomic } from '../util/atomic';
import { writeSampleLake } from '../lake/sample';

export const WORKSPACE_FOLDERS = ['notebooks', 'strategies', 'models', 'lake', 'runs'] as const;

/** The project root: two levels above this file, both in source (engine/host) and bundled (dist/engine). */
export function appRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function shippedNotebooksDir(): string {
  return path.join(appRoot(), 'notebooks');
}

export interface OpenedWorkspace {
  dir: string;
  settings: Settings;
  problems: SettingsProblem[];
  seeded: boolean;
}

export async function openWorkspace(
  dir: string,
  opts: { seed?: boolean; onProgress?: (label: string, done: number, total: number | null) => void } = {},
): Promise<OpenedWorkspace> {
  const abs = path.resolve(dir);
  if (fs.existsSync(abs) && !fs.statSync(abs).isDirectory()) throw new Error(`${abs}: expected a folder for the workspace, found a file`);
  const fresh = !fs.existsSync(path.join(abs, 'studio.json'));
  for (const f of WORKSPACE_FOLDERS) fs.mkdirSync(path.join(abs, f), { recursive: true });
  let seeded = false;
  if (fresh && opts.seed !== false) {
    const src = shippedNotebooksDir();
    if (fs.existsSync(src)) {
      for (const name of fs.readdirSync(src)) {
        const target = path.join(abs, 'notebooks', name);
        if (name.endsWith('.ipynb') && !fs.existsSync(target)) fs.copyFileSync(path.join(src, name), target);
      }
    }
    const lake = path.join(abs, 'lake');
    if (!fs.existsSync(path.join(lake, 'manifest.json'))) await writeSampleLake(lake, { onProgress: opts.onProgress });
    seeded = true;
  }
  if (fresh) writeFileAtomic(path.join(abs, 'studio.json'), JSON.stringify({ theme: 'system' }, null, 2) + '\n');
  const { settings, problems } = readSettings(path.join(abs, 'studio.json'));
  return { dir: abs, settings, problems, seeded };
}
