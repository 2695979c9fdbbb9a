// `studio lake sample|import|sql|list` as a user runs them (the CLI entry under tsx, real DuckDB
// and Parquet): a seeded sample, SQL as JSON and CSV, a quotes import, and a lake folder damaged
// by hand that `lake list` reports and queries leave out.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFile } from '../lake/testing';
import { tmpDir } from '../../test/support/tmp';

const root = path.resolve(import.meta.dirname, '..', '..');
const workspace = () => tmpDir('studio-cli-lake-');

function studio(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'engine/cli/entry.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const json = async (ws: string, sql: string) => {
  const r = await studio('lake', 'sql', sql, '--json', '--workspace', ws);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>[];
};

describe('studio lake', () => {
  const ws = workspace();

  it('writes a seeded sample of N symbols × D sessions, the same for the same seed', async () => {
    const r = await studio('lake', 'sample', '--symbols', '2', '--days', '3', '--seed', '7', '--workspace', ws);
    expect(r.code).toBe(0);
    // 2, 3 and 4 January 2024 were full sessions: 390 minutes each.
    expect(await json(ws, `select count(distinct symbol) as s, count(*) as n from bars where timeframe = '1Min'`)).toEqual([{ s: 2, n: 2 * 3 * 390 }]);
    expect(await json(ws, `select count(*) as n from bars where timeframe = '1Day'`)).toEqual([{ n: 6 }]);
    const again = workspace();
    await studio('lake', 'sample', '--symbols', '2', '--days', '3', '--seed', '7', '--workspace', again);
    const other = workspace();
    await studio('lake', 'sample', '--symbols', '2', '--days', '3', '--seed', '8', '--workspace', other);
    // A digest of every bar in a fixed order (a parallel sum of doubles is not bit-stable).
    const sum = `select md5(string_agg(concat_ws(',', symbol, timeframe, ts, open, high, low, close, volume), ';' order by symbol, timeframe, ts)) as h from bars`;
    expect(await json(again, sum)).toEqual(await json(ws, sum));
    expect(await json(other, sum)).not.toEqual(await json(ws, sum));
  }, 90_000);

  it('prints SQL results as an array of row objects or as CSV', async () => {
    const rows = await json(ws, `select symbol, min(ts) as first, count(*) as n from bars where timeframe = '1Day' group by symbol order by symbol`);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ first: '2024-01-02T05:00:00.000Z', n: 3 });
    const csv = await studio('lake', 'sql', `select symbol, count(*) as n from bars where timeframe = '1Day' group by symbol order by symbol`, '--csv', '--workspace', ws);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('symbol,n');
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['3', '3']);
    const bad = await studio('lake', 'sql', 'select nope from bars', '--json', '--workspace', ws);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/nope/);
  }, 60_000);

  it('imports bid/ask quotes with US dates into the quotes dataset', async () => {
    const r = await studio('lake', 'import', dataFile('bidask.csv'), '--symbol', 'EURUSD', '--tz', 'UTC', '--json', '--workspace', ws);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dataset: 'quotes', layout: 'quotes', rowsRead: 10 });
    const [q] = await json(ws, `select count(*) as n, min(ts) as first from quotes where symbol = 'EURUSD'`);
    // 02/03/2010 16:53:50 in the file, read as UTC because --tz said so.
    expect(q).toMatchObject({ n: 10 });
    expect(String(q.first)).toMatch(/^2010-02-03T16:53/);
  }, 60_000);

  it('reports a truncated and a deleted Parquet file, and queries leave them out', async () => {
    const ok = await studio('lake', 'list', '--workspace', ws);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/bars\s+1Min/);
    const manifest = JSON.parse(fs.readFileSync(path.join(ws, 'lake', 'manifest.json'), 'utf8')) as { entries: { file: string; timeframe: string | null; symbol: string; rows: number }[] };
    const [a, b] = manifest.entries.filter((e) => e.timeframe === '1Min');
    const fa = path.join(ws, 'lake', a.file);
    fs.truncateSync(fa, Math.floor(fs.statSync(fa).size / 2));
    fs.rmSync(path.join(ws, 'lake', b.file));
    const listed = await studio('lake', 'list', '--workspace', ws);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain(`${a.file}: size`);
    expect(listed.stderr).toMatch(/truncated or edited outside the studio/);
    expect(listed.stderr).toContain(`${b.file}: file missing`);
    expect(listed.stdout.match(/PROBLEM/g)).toHaveLength(2);
    const q = await studio('lake', 'sql', `select count(*) as n from bars where timeframe = '1Min'`, '--json', '--workspace', ws);
    expect(q.stderr).toMatch(/warning: .*left out of the views/);
    expect(JSON.parse(q.stdout)).toEqual([{ n: 0 }]);
  }, 60_000);
});
