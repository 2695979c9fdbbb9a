// Opening a workspace: creating its folders, seeding a new one with the shipped example
// notebooks and the sample dataset, and reading its settings.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSettings, type Settings, type SettingsProblem } from '../workspace/settings';
import { writeFileAtomic } from '../util/atomic';
import { writeSampleLake } from '../lake/sample';
import { seedExampleStrategies } from '../backtest/strategies';

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
  /** Resolves once the sample lake of a new workspace is written (at once for an existing one). */
  lakeReady: Promise<void>;
}

/** Present in lake/ while the sample is being written, so an interrupted first start resumes it. */
const SEEDING_MARKER = '.seeding';

/**
 * Opens (creating if needed) a workspace. Folders, example notebooks and studio.json are ready
 * when this returns; the sample lake of a new workspace is written in the background
 * (`lakeReady`), so the app can show itself at once and report progress.
 */
export async function openWorkspace(
  dir: string,
  opts: { seed?: boolean; onProgress?: (label: string, done: number, total: number | null) => void } = {},
): Promise<OpenedWorkspace> {
  const abs = path.resolve(dir);
  if (fs.existsSync(abs) && !fs.statSync(abs).isDirectory()) throw new Error(`${abs}: expected a folder for the workspace, found a file`);
  const fresh = !fs.existsSync(path.join(abs, 'studio.json'));
  for (const f of WORKSPACE_FOLDERS) fs.mkdirSync(path.join(abs, f), { recursive: true });
  const lake = path.join(abs, 'lake');
  const marker = path.join(lake, SEEDING_MARKER);
  if (fresh && opts.seed !== false) {
    const src = shippedNotebooksDir();
    if (fs.existsSync(src)) {
      for (const name of fs.readdirSync(src)) {
        const target = path.join(abs, 'notebooks', name);
        if (name.endsWith('.ipynb') && !fs.existsSync(target)) fs.copyFileSync(path.join(src, name), target);
      }
    }
    // Editable copies of the shipped example strategies (the examples also resolve by name without them).
    seedExampleStrategies(abs);
    if (!fs.existsSync(path.join(lake, 'manifest.json'))) fs.writeFileSync(marker, '');
  }
  if (fresh) writeFileAtomic(path.join(abs, 'studio.json'), JSON.stringify({ theme: 'system' }, null, 2) + '\n');
  const lakeReady = fs.existsSync(marker)
    ? writeSampleLake(lake, { onProgress: opts.onProgress }).then(() => fs.rmSync(marker, { force: true }))
    : Promise.resolve();
  const { settings, problems } = readSettings(path.join(abs, 'studio.json'));
  return { dir: abs, settings, problems, lakeReady };
}
