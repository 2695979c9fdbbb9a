import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { readSettings, DEFAULT_SETTINGS } from './settings';
import { tmpDir } from '../../test/support/tmp';

const dir = tmpDir();
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

describe('studio.json', () => {
  it('reports an invalid setting with its path and what was expected, and keeps the valid ones', () => {
    const f = write('a.json', JSON.stringify({ theme: 'purple', notebooks: { stripOutputsOnSave: true, autosaveMs: 'soon' } }));
    const { settings, problems } = readSettings(f);
    expect(problems.map((p) => p.path)).toEqual([`${f}: theme`, `${f}: notebooks.autosaveMs`]);
    expect(problems[0].message).toMatch(/system|light|dark/);
    expect(problems[1].message).toMatch(/number/);
    expect(settings.theme).toBe('system');
    expect(settings.notebooks.stripOutputsOnSave).toBe(true);
    expect(settings.notebooks.autosaveMs).toBe(1000);
  });

  it('falls back to defaults for a file that is not JSON, and says so', () => {
    const f = write('b.json', '{ theme: ');
    const { settings, problems } = readSettings(f);
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(problems[0].message).toMatch(/not valid JSON/);
  });

  it('uses defaults without complaint when there is no file', () => {
    expect(readSettings(path.join(dir, 'none.json'))).toEqual({ settings: DEFAULT_SETTINGS, problems: [] });
  });
});
