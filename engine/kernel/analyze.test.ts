// What the editor's stale-cell tracking relies on: each cell's declared names and the names it
// takes from elsewhere, for TypeScript and %%sql cells alike.
import { describe, expect, it } from 'vitest';
import { analyzeCell } from './analyze';

describe('analyzeCell', () => {
  it('finds what a cell declares and what it takes from earlier cells', () => {
    const a = analyzeCell([
      "import { z } from 'zod';",
      'const daily = await sql`select * from bars where symbol = ${symbol}`;',
      'function mean(xs: number[]): number { const n = xs.length; return xs.reduce((s, x) => s + x, 0) / n }',
      'const { close: closes, ...rest } = pick(daily);',
      'class Box<T> { constructor(public v: T) {} }',
      'let total: Threshold = mean(closes) + offset;',
      'for (const r of daily) { console.log(r.close, other) }',
      'try { risky() } catch (err) { log(err) }',
    ].join('\n'));
    expect(a.declares).toEqual(['Box', 'closes', 'daily', 'mean', 'rest', 'total', 'z']);
    expect(a.uses).toEqual(['console', 'log', 'offset', 'other', 'pick', 'risky', 'sql', 'symbol']);
  });

  it('does not count properties, object keys, labels or names bound inside functions', () => {
    const a = analyzeCell('const o = { a: 1, [key]: b, c };\no.x.y;\nouter: for (;;) { break outer }\nconst f = (p = dflt) => p + q;');
    expect(a.uses).toEqual(['b', 'c', 'dflt', 'key', 'q']);
    expect(a.declares).toEqual(['f', 'o']);
  });

  it('reports free assignments, so a cell that bumps a counter invalidates its readers', () => {
    const a = analyzeCell('counter += 1;\n[first, second] = pair;\nseen++');
    expect(a.assigns).toEqual(['counter', 'first', 'second', 'seen']);
    expect(a.uses).toEqual(['counter', 'first', 'pair', 'second', 'seen']);
    expect(a.declares).toEqual([]);
  });

  it('reads a %%sql cell: it declares its NAME and uses the names in its interpolations', () => {
    expect(analyzeCell('%%sql t\nselect * from bars where symbol = ${symbol} and ts > ${start.toISOString()}')).toEqual({
      declares: ['t'], uses: ['start', 'symbol'], assigns: [],
    });
    expect(analyzeCell('%%sql\nselect 1')).toEqual({ declares: [], uses: [], assigns: [] });
  });

  it('gives nothing for a cell still being typed', () => {
    expect(analyzeCell('const x = {')).toEqual({ declares: [], uses: [], assigns: [] });
  });
});
