// The simulator replaying a workspace lake that holds a split and a dividend: historical bars
// come raw, split- or fully adjusted exactly as the lake's own reader adjusts them, read with
// the official SDK.

import path from 'node:path';
import { ApiError } from '@alpacahq/alpaca-trade-api';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSample } from '../core/sample';
import { Lake } from '../lake/lake';
import type { Adjustment } from '../lake/read';
import { writeBars, writeCorporateActions } from '../lake/writer';
import { tmpDir } from '../../test/support/tmp';
import { startSimulator, type Simulator } from './index';
import { loadLakeReplay } from './lake-source';
import { sdkFor } from './test-support';

const running: Simulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

type Row = { symbol: string; t: string; o: number; h: number; l: number; c: number; v: number };

async function served(s: Simulator, timeframe: string, adjustment?: string): Promise<Row[]> {
  const alpaca = sdkFor(s.url);
  const out: Row[] = [];
  let pageToken: string | undefined;
  do {
    const page = await alpaca.marketData.stocks.stockBars({
      symbols: 'AAA,BBB', timeframe, start: new Date('2024-03-04T05:00:00Z'), end: new Date('2024-03-07T05:00:00Z'), limit: 1000, pageToken,
      adjustment: adjustment as never,
    });
    for (const [symbol, bars] of Object.entries(page.bars)) {
      for (const b of bars as unknown as Record<string, number | string>[]) {
        out.push({ symbol, t: new Date(String(b.t)).toISOString(), o: +b.o, h: +b.h, l: +b.l, c: +b.c, v: +b.v });
      }
    }
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  return out;
}

async function lakeRows(lakeDir: string, adjustment: Adjustment): Promise<Row[]> {
  const lake = await Lake.open(lakeDir);
  try {
    const out: Row[] = [];
    for (const b of await lake.bars({ symbols: ['AAA', 'BBB'], timeframe: '1Min', adjustment })) {
      for (let i = 0; i < b.ts.length; i++) {
        out.push({ symbol: b.symbol, t: new Date(Number(b.ts[i] / 1_000_000n)).toISOString(), o: b.open[i], h: b.high[i], l: b.low[i], c: b.close[i], v: b.volume[i] });
      }
    }
    return out;
  } finally {
    lake.close();
  }
}

describe('the simulator on a workspace lake with corporate actions', () => {
  it('serves historical bars raw, split- or fully adjusted as the lake reads them, and keeps trading on the printed prices', async () => {
    const lakeDir = path.join(tmpDir('sim-adjust-'), 'lake');
    const sample = generateSample({
      from: '2024-03-04', to: '2024-03-06', seed: 3, symbols: ['AAA', 'BBB'], timeframe: '1Min',
      corporateActions: [
        { symbol: 'AAA', exDate: '2024-03-05', kind: 'split', ratio: 4, cash: 0 },
        { symbol: 'BBB', exDate: '2024-03-06', kind: 'dividend', ratio: 1, cash: 0.5 },
      ],
    });
    await writeBars(lakeDir, sample.bars, 'test');
    await writeCorporateActions(lakeDir, sample.corporateActions, 'test');
    const replay = await loadLakeReplay(lakeDir);
    expect(replay?.bars).toBe(3 * 390 * 2);
    const s = await startSimulator({ source: replay?.source, start: '2024-03-06T21:00:00Z' });
    running.push(s);

    const raw = await lakeRows(lakeDir, 'raw');
    const split = await lakeRows(lakeDir, 'split');
    const all = await lakeRows(lakeDir, 'all');
    // The fixture does what it says: AAA's first day is quartered by the split, BBB's first two
    // days are lowered by the dividend, and nothing else moves.
    const aaaDay1 = (rows: Row[]) => rows.find((r) => r.symbol === 'AAA' && r.t === '2024-03-04T14:30:00.000Z')?.c as number;
    expect(aaaDay1(split)).toBeCloseTo(aaaDay1(raw) / 4, 9);
    const bbb = (rows: Row[]) => rows.filter((r) => r.symbol === 'BBB').map((r) => r.c);
    expect(bbb(split)).toEqual(bbb(raw));
    expect(bbb(all)[0]).toBeLessThan(bbb(raw)[0]);

    expect(await served(s, '1Min')).toEqual(raw);
    expect(await served(s, '1Min', 'raw')).toEqual(raw);
    expect(await served(s, '1Min', 'split')).toEqual(split);
    expect(await served(s, '1Min', 'all')).toEqual(all);
    expect(await served(s, '1Min', 'split,dividend')).toEqual(all);
    expect(await served(s, '1Min', 'dividend')).toEqual(await lakeRows(lakeDir, 'dividend'));

    // Longer timeframes are built from the adjusted minutes: the split-adjusted day of AAA
    // before the split closes at a quarter of its raw close.
    const days = await served(s, '1Day', 'split');
    const rawDays = await served(s, '1Day', 'raw');
    const aaa = (rows: Row[]) => rows.filter((r) => r.symbol === 'AAA').map((r) => r.c);
    expect(aaa(days).length).toBe(3);
    expect(aaa(days)[0]).toBeCloseTo(aaa(rawDays)[0] / 4, 9);
    expect(aaa(days).slice(1)).toEqual(aaa(rawDays).slice(1));

    // Trading stays on the printed prices: the latest trade is AAA's raw last close.
    const latest = await sdkFor(s.url).marketData.stocks.stockLatestBars({ symbols: 'AAA' });
    expect(latest.bars?.AAA?.c).toBe(raw.filter((r) => r.symbol === 'AAA').at(-1)?.c);

    let refused: unknown;
    try {
      await served(s, '1Min', 'splits');
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(ApiError);
    expect([(refused as ApiError).status, (refused as ApiError).message]).toEqual([400, 'invalid adjustment: splits']);
  });
});
