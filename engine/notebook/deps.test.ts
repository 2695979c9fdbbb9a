// Which cells a researcher must re-run: names a cell declares and uses, and staleness after
// re-runs and edits upstream.
import { describe, expect, it } from 'vitest';
import { analyzeCell, staleCells, type CellRunInfo } from './deps';

const sorted = (a: string[]) => [...a].sort();

describe('cell analysis', () => {
  it('finds what a cell declares and what it takes from other cells', () => {
    const a = analyzeCell('const bars = await sql`select * from bars where symbol = ${symbol}`;\nconst closes: number[] = bars.map((b) => b.close as number);');
    expect(sorted(a.declares)).toEqual(['bars', 'closes']);
    expect(sorted(a.uses)).toEqual(['sql', 'symbol']);
  });

  it('ignores locals, parameters, properties and names shadowed in inner scopes', () => {
    const a = analyzeCell([
      'function sma(xs: number[], n = window) { let s = 0; for (const x of xs) s += x; return s / n + offset }',
      'const o = { closes, k: prices.length, [key]: 1 };',
      'try { risky() } catch (err) { console.log(err) }',
      'label: for (let i = 0; i < 3; i++) { if (i) continue label; }',
      'class P { m = 1; static x = base; run() { return this.m } }',
    ].join('\n'));
    expect(sorted(a.declares)).toEqual(['P', 'o', 'sma']);
    expect(sorted(a.uses)).toEqual(['base', 'closes', 'console', 'key', 'offset', 'prices', 'risky', 'window']);
  });

  it('reads a %%sql cell: the bound name and the names in its ${} parameters', () => {
    const a = analyzeCell('%%sql daily\nselect * from bars where symbol = ${symbol} and close > ${limits.low}');
    expect(a).toEqual({ declares: ['daily'], uses: ['symbol', 'limits'] });
    expect(analyzeCell('%%sql\nselect 1').declares).toEqual([]);
  });

  it('treats a cell that does not parse as declaring and using nothing', () => {
    expect(analyzeCell('const = 2')).toEqual({ declares: [], uses: [] });
  });
});

function cell(id: string, source: string, runSeq: number, editSeq = 0, ok = true): CellRunInfo {
  return { id, ran: runSeq ? analyzeCell(source) : null, runSeq, editSeq, ok };
}

describe('stale cells', () => {
  it('marks a reader stale when the cell it read from is re-run, and its readers too', () => {
    const cells = [cell('a', 'const x = 1', 4), cell('b', 'const y = x + 1', 2), cell('c', 'y * 2', 3), cell('d', 'const z = 3', 1)];
    // 'a' has run again (4) after b (2) and c (3) read from it.
    const stale = staleCells(cells);
    expect([...stale.keys()].sort()).toEqual(['b', 'c']);
    expect(stale.get('b')).toContain('`x`');
    expect(stale.get('c')).toContain('stale');
  });

  it('marks a reader stale when its provider was edited after it ran, not before', () => {
    const edited = staleCells([cell('a', 'const x = 1', 1, 3), cell('b', 'x + 1', 2)]);
    expect(edited.get('b')).toMatch(/edited/);
    expect(staleCells([cell('a', 'const x = 1', 1, 1), cell('b', 'x + 1', 2)]).size).toBe(0);
  });

  it('leaves failed cells and cells that read nothing upstream alone', () => {
    const cells = [cell('a', 'const x = 1', 3), cell('b', 'x + 1', 2, 0, false), cell('c', 'const q = 9', 1)];
    expect(staleCells(cells).size).toBe(0);
  });
});
