// The workspace's studio.json, validated by zod. An invalid setting is reported with its path
// and what was expected, and the studio carries on with the default for that setting.
import fs from 'node:fs';
import { z } from 'zod';

export const Settings = z.object({
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  notebooks: z
    .object({
      stripOutputsOnSave: z.boolean().default(false),
      autosaveMs: z.number().int().min(200).max(60_000).default(1000),
    })
    .default({ stripOutputsOnSave: false, autosaveMs: 1000 }),
  lake: z.object({ sampleSeed: z.number().int().default(42) }).default({ sampleSeed: 42 }),
});
export type Settings = z.infer<typeof Settings>;

export interface SettingsProblem {
  path: string;
  message: string;
}

export const DEFAULT_SETTINGS: Settings = Settings.parse({});

/** Reads settings; every problem is returned, and each bad value falls back to its default. */
export function readSettings(file: string): { settings: Settings; problems: SettingsProblem[] } {
  if (!fs.existsSync(file)) return { settings: DEFAULT_SETTINGS, problems: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { settings: DEFAULT_SETTINGS, problems: [{ path: file, message: `not valid JSON: ${(e as Error).message}` }] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { settings: DEFAULT_SETTINGS, problems: [{ path: file, message: 'expected a JSON object' }] };
  }
  const parsed = Settings.safeParse(raw);
  if (parsed.success) return { settings: parsed.data, problems: [] };
  const problems = parsed.error.issues.map((i) => ({ path: `${file}: ${i.path.join('.')}`, message: i.message }));
  // Drop each offending leaf and parse again, so the good settings survive.
  const copy = structuredClone(raw) as Record<string, unknown>;
  for (const issue of parsed.error.issues) {
    let o: Record<string, unknown> | undefined = copy;
    for (let k = 0; k < issue.path.length - 1 && o; k++) o = o[String(issue.path[k])] as Record<string, unknown> | undefined;
    const leaf = issue.path[issue.path.length - 1];
    if (o && typeof o === 'object' && leaf !== undefined) delete o[String(leaf)];
  }
  const retry = Settings.safeParse(copy);
  return { settings: retry.success ? retry.data : DEFAULT_SETTINGS, problems };
}
