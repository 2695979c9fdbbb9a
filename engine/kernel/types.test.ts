// Types that flow across cells: the language service sees the engine API and what earlier
// cells declared (the latest declaration of a name wins, as re-running a cell does).
import { describe, expect, it } from 'vitest';
import { KERNEL_GLOBALS_DTS, DECLARED_API_MEMBERS } from './api-types';
import { createStudioApi } from './api';
import { TypeService, isCompleteCode } from './types';
import { tmpDir } from '../../test/support/tmp';

const ws = tmpDir();

describe('the kernel’s language service', () => {
  const types = new TypeService({ workspaceDir: ws });
  types.addCell("const base = 40;\nlet note: string = 'ok';");
  types.addCell("const base = 41;\nbase + 1");
  types.addCell("import { z } from 'zod';\nconst schema = z.object({ price: z.number() });\nfunction double(n: number) { return { v: n * 2 } }");
  types.addCell('const rows = await sql`select 1 as one`;\ninterface Fill { qty: number }\nconst fill: Fill = { qty: 3 };');
  types.addCell('%%sql bars\nselect 7 as seven');

  it('completes engine API members', async () => {
    const c = await types.complete('sq', 2);
    expect(c.matches).toEqual(['sql', 'sqlTable']);
    expect(c).toMatchObject({ cursorStart: 0, cursorEnd: 2 });
  }, 60_000);

  it('completes members of values and types from earlier cells', async () => {
    expect((await types.complete('rows.col', 8)).matches).toEqual(['columns']);
    expect((await types.complete('fill.', 5)).matches).toEqual(['qty']);
    expect((await types.complete('bars.numR', 9)).matches).toEqual(['numRows']);
    expect((await types.complete('schema.sha', 10)).matches).toContain('shape');
  });

  it('shows the type of a variable from an earlier cell, the latest declaration winning', async () => {
    expect((await types.inspect('base', 4)).text).toBe('const base: 41');
    expect((await types.inspect('note', 2)).text).toBe('let note: string');
    expect((await types.inspect('double(2)', 3)).text).toBe('function double(n: number): {\n    v: number;\n}');
    expect((await types.inspect('bars', 4)).text).toBe('const bars: ArrowTable<any>');
    const sql = await types.inspect('sql', 1);
    expect(sql.text).toMatch(/function sql\(query: TemplateStringsArray/);
    expect(sql.markdown).toMatch(/bound parameters/);
  });

  it('lets the cell being edited redeclare a name', async () => {
    expect((await types.inspect('const base = "x"; base', 19)).text).toBe('const base: "x"');
  });

  it('exports the declarations for an editor', async () => {
    const d = await types.declarations();
    expect(d.globals).toBe(KERNEL_GLOBALS_DTS);
    expect(d.cells).toContain('declare const base: 41;');
    expect(d.cells).not.toContain('declare const base: 40;');
  });
});

describe('the engine API declarations', () => {
  it('declare every member of the API object', () => {
    const { api, close } = createStudioApi(ws, `${ws}/lake`);
    close();
    expect(Object.keys(api).sort()).toEqual([...DECLARED_API_MEMBERS].sort());
    for (const m of DECLARED_API_MEMBERS) expect(KERNEL_GLOBALS_DTS).toMatch(new RegExp(`(function|var) ${m}\\b`));
  });
});

describe('is_complete', () => {
  it('tells a finished cell from one still being typed', () => {
    expect(isCompleteCode('const x = 1')).toEqual({ status: 'complete' });
    expect(isCompleteCode('for (const r of rows) {')).toEqual({ status: 'incomplete', indent: '  ' });
    expect(isCompleteCode('const s = `open')).toMatchObject({ status: 'incomplete' });
    expect(isCompleteCode('const = ;')).toEqual({ status: 'invalid' });
    expect(isCompleteCode('%%sql t\nselect ${a')).toEqual({ status: 'incomplete' });
  });
});
