import { describe, expect, it } from 'vitest';
import vm from 'node:vm';
import { transformCell, CellSyntaxError } from './transform';

function run(src: string, ctx: vm.Context): Promise<unknown> {
  const t = transformCell(src, 'cell.ts');
  return vm.runInContext(t.code, ctx) as Promise<unknown>;
}

describe('cell transform', () => {
  it('lets a const be declared again on re-run and returns the last expression', async () => {
    const ctx = vm.createContext({});
    await run('const x: number = 1', ctx);
    expect(await run('x + 1', ctx)).toBe(2);
    await run('const x = 5', ctx);
    expect(await run('x * 2', ctx)).toBe(10);
  });

  it('supports top-level await, destructuring, functions used before their line and classes', async () => {
    const ctx = vm.createContext({});
    const v = await run(
      [
        'const v = double(await Promise.resolve(21));',
        'function double(n: number) { return n * 2 }',
        'const { a, b: [c] } = { a: 1, b: [2] };',
        'class P { constructor(public n: number) {} }',
        'let nothing;',
        'v',
      ].join('\n'),
      ctx,
    );
    expect(v).toBe(42);
    expect(await run('[a, c, new P(3).n, nothing, double(5)]', ctx)).toEqual([1, 2, 3, undefined, 10]);
  });

  it('reports the declared top-level names', () => {
    const t = transformCell('import { z as zz } from "zod"; const [p, q] = [1, 2]; function f() {}; export const e = 1', 'c.ts');
    expect(t.declared.sort()).toEqual(['e', 'f', 'p', 'q', 'zz']);
  });

  it('keeps the cell line numbers of the generated code', () => {
    const t = transformCell('const a = 1\n\n\nconst b: string = "x"\nthrow new Error("boom")', 'c.ts');
    const lines = t.code.split('\n');
    expect(lines.findIndex((l) => l.includes('boom'))).toBeGreaterThanOrEqual(2);
  });

  it('gives a syntax error with its line', () => {
    try {
      transformCell('const a = 1\nconst = 2', 'c.ts');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CellSyntaxError);
      expect((e as CellSyntaxError).line).toBe(2);
    }
  });
});
