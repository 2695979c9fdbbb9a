// The lake writer: merging with what is stored, idempotence, crash leftovers, and a lake folder
// damaged by hand being detected rather than read.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { emptyBars, type BarColumns } from '../core/data/bars';
import { Lake } from './lake';
import { checkManifest, readManifest } from './manifest';
import { writeBars } from './writer';
import { importFile } from './importer';
import { dataFile, snapshot } from './testing';
import { tmpDir } from '../../test/support/tmp';

const tmp = () => tmpDir('studio-lake-');

const T0 = BigInt(Date.parse('2024-01-02T14:30:00Z')) * 1_000_000n;
const MIN = 60_000_000_000n;

/** Minutes [from, to) of a made-up series whose close is 100 + minute + bump. */
function series(from: number, to: number, bump = 0): BarColumns {
  const b = emptyBars('ACME', '1Min', to - from);
  for (let i = 0; i < to - from; i++) {
    const m = from + i;
    b.ts[i] = T0 + BigInt(m) * MIN;
    b.open[i] = b.high[i] = b.low[i] = b.close[i] = 100 + m + bump;
    b.volume[i] = 10;
    b.vwap[i] = NaN;
    b.tradeCount[i] = 1;
  }
  return b;
}

async function stored(dir: string) {
  const l = await Lake.open(dir);
  try {
    return (await l.query(`select epoch_ns(ts)::varchar as ts, close, vwap from bars order by ts`)).rows;
  } finally {
    l.close();
  }
}

describe('writeBars', () => {
  it('merges with the stored partition: a new range appends, a re-sent bar replaces the old one', async () => {
    const dir = tmp();
    await writeBars(dir, [series(0, 100)], 'test');
    await writeBars(dir, [series(90, 150, 0.5)], 'test');
    const rows = await stored(dir);
    expect(rows.length).toBe(150);
    expect(rows[89].close).toBe(189);
    expect(rows[90].close).toBe(190.5);
    expect(rows[0].vwap).toBeNull();
    const m = readManifest(dir);
    expect(m.entries).toHaveLength(1);
    expect(m.entries[0]).toMatchObject({ rows: 150, from: '2024-01-02T14:30:00.000Z', source: 'test' });
    // The superseded file is gone: one Parquet file per partition.
    expect(fs.readdirSync(path.join(dir, 'bars', 'timeframe=1Min', 'symbol=ACME')).filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
  });

  it('writing what is already stored changes no byte', async () => {
    const dir = tmp();
    await writeBars(dir, [series(0, 50)], 'test');
    const before = snapshot(dir);
    await writeBars(dir, [series(10, 40)], 'test');
    expect(snapshot(dir)).toEqual(before);
  });

  it('ends with the union of any sequence of overlapping writes, each bar once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(200), fc.integer({ min: 1, max: 80 })), { minLength: 1, maxLength: 4 }), async (writes) => {
        const dir = tmp();
        const seen = new Set<number>();
        for (const [from, len] of writes) {
          await writeBars(dir, [series(from, from + len)], 'prop');
          for (let m = from; m < from + len; m++) seen.add(m);
        }
        const rows = await stored(dir);
        expect(rows.map((r) => r.close)).toEqual([...seen].sort((a, b) => a - b).map((m) => 100 + m));
      }),
      { numRuns: 8 },
    );
  });

  it('ignores what a crash leaves behind: a temp file and a renamed file the manifest never listed', async () => {
    const dir = tmp();
    await writeBars(dir, [series(0, 30)], 'test');
    const part = path.join(dir, 'bars', 'timeframe=1Min', 'symbol=ACME');
    const [file] = fs.readdirSync(part);
    fs.copyFileSync(path.join(part, file), path.join(part, 'part-orphan.parquet'));
    fs.writeFileSync(path.join(part, '.part-1-1.parquet.tmp'), 'half a file');
    expect((await stored(dir)).length).toBe(30);
    await writeBars(dir, [series(30, 40)], 'test');
    expect((await stored(dir)).length).toBe(40);
  });
});

describe('a lake folder edited by hand', () => {
  it('reports a deleted file and leaves it out of the views', async () => {
    const dir = tmp();
    await importFile(dir, dataFile('orcl-1995-2014.txt'), { symbol: 'ORCL' });
    await importFile(dir, dataFile('nvda-1999-2014.txt'), { symbol: 'NVDA' });
    const nvda = readManifest(dir).entries.find((e) => e.symbol === 'NVDA' && e.dataset === 'bars')!;
    fs.rmSync(path.join(dir, nvda.file));
    const checked = checkManifest(dir);
    expect(checked.find((e) => e.file === nvda.file)!.problem).toMatch(/file missing/);
    const l = await Lake.open(dir);
    try {
      expect(l.problems().map((p) => p.symbol)).toEqual(['NVDA']);
      expect((await l.query(`select symbol, count(*) as n from bars group by 1`)).rows).toEqual([{ symbol: 'ORCL', n: 5036 }]);
    } finally {
      l.close();
    }
    // Importing the file again repairs the partition.
    const r = await importFile(dir, dataFile('nvda-1999-2014.txt'), { symbol: 'NVDA' });
    expect(r).toMatchObject({ rows: 4012, added: 4012 });
    expect(checkManifest(dir, true).filter((e) => e.problem !== null).map((e) => e.problem)).toEqual([]);
  });

  it('reports a truncated file by its size, and a same-size edit by its hash', async () => {
    const dir = tmp();
    await importFile(dir, dataFile('orcl-1995-2014.txt'), { symbol: 'ORCL' });
    const e = readManifest(dir).entries.find((x) => x.dataset === 'bars')!;
    const file = path.join(dir, e.file);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    expect(checkManifest(dir).find((x) => x.file === e.file)!.problem).toMatch(/truncated/);
    const edited = Buffer.from(bytes);
    edited[100] ^= 0xff;
    fs.writeFileSync(file, edited);
    expect(checkManifest(dir).find((x) => x.file === e.file)!.problem).toBeNull();
    expect(checkManifest(dir, true).find((x) => x.file === e.file)!.problem).toMatch(/hash differs/);
  });
});
