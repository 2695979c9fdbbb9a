// `studio lake fetch` through the real, bundled CLI against the local simulator: paging, a run
// killed midway and resumed from its checkpoint, an idempotent rerun, and bad input.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../sim/index';
import { sdkFor } from '../sim/test-support';
import { tmpDir } from '../../test/support/tmp';

const root = path.resolve(import.meta.dirname, '..', '..');
const running: Simulator[] = [];
const children = new Set<ChildProcess>();

afterEach(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all([...children].map((c) => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve(null) : c.once('exit', resolve)))));
  children.clear();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build-engine.mjs'], { cwd: root, stdio: 'pipe' });
}, 120_000);

async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator(options);
  running.push(s);
  return s;
}

interface Run { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> }

function studio(args: string[], env: Record<string, string> = {}, input?: string): Run {
  const child = spawn(process.execPath, ['bin/studio.js', ...args], {
    cwd: root,
    env: { ...process.env, APCA_API_KEY_ID: 'K', APCA_API_SECRET_KEY: 'S', APCA_DATA_BASE_URL: '', ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin?.end(input);
  children.add(child);
  let stdout = '', stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code, signal) => {
      // Output may still be in the pipes when the process exits.
      const finish = () => { children.delete(child); resolve({ code, signal, stdout, stderr }); };
      if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false) finish();
      else child.once('close', finish);
    });
  });
  return { child, done };
}

type LakeRow = { symbol: string; ts: string; open: number; high: number; low: number; close: number; volume: number; vwap: number; trade_count: number };

async function lakeBars(workspace: string): Promise<LakeRow[]> {
  const r = await studio(['lake', 'sql', '--json', '--workspace', workspace,
    `select symbol, ts, open, high, low, close, volume, vwap, trade_count from bars where timeframe = '1Min' order by symbol, ts`]).done;
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as LakeRow[];
}

/** Every bar the simulator serves for the request, read with the official SDK. */
async function servedBars(s: Simulator, symbols: string, start: string, end: string): Promise<LakeRow[]> {
  const alpaca = sdkFor(s.url);
  const out: LakeRow[] = [];
  let pageToken: string | undefined;
  do {
    const page = await alpaca.marketData.stocks.stockBars({ symbols, timeframe: '1Min', start: new Date(start), end: new Date(end), limit: 10_000, pageToken });
    for (const [symbol, bars] of Object.entries(page.bars)) {
      // The multi-symbol response keeps Alpaca's raw shape: `t` stays an RFC-3339 string.
      for (const b of bars as unknown as Record<string, number | string>[]) {
        out.push({ symbol, ts: new Date(String(b.t)).toISOString(), open: +b.o, high: +b.h, low: +b.l, close: +b.c, volume: +b.v, vwap: +b.vw, trade_count: +b.n });
      }
    }
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  return out.sort((a, b) => (a.symbol + a.ts < b.symbol + b.ts ? -1 : 1));
}

describe('studio lake fetch, against the simulator', () => {
  it('pages bars into the lake, survives being killed midway, and a rerun leaves the same rows', async () => {
    const s = await sim({ start: '2024-01-10T15:00:00Z' });
    const ws = tmpDir('studio-fetch-');
    // Three sessions of two symbols (3 × 390 × 2 = 2340 bars) at 500 a page: five pages.
    const args = ['lake', 'fetch', '--symbols', 'SPY,AAPL', '--timeframe', '1Min', '--from', '2024-01-03', '--to', '2024-01-05',
      '--page-limit', '500', '--checkpoint-rows', '1', '--url', s.url, '--workspace', ws];
    const served = await servedBars(s, 'AAPL,SPY', '2024-01-03T05:00:00Z', '2024-01-06T05:00:00Z');
    expect(served.length).toBe(2340);

    // The third page request is parked; the process is killed while it waits for it.
    const hold = s.faults.holdRequests({ pathPrefix: '/v2/stocks', after: 2 });
    const first = studio(args);
    await hold.firstHeld;
    first.child.kill('SIGKILL');
    const killed = await first.done;
    hold.release();
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).toContain('checkpoint: page 2, 1000 bars fetched so far');
    expect(await lakeBars(ws)).toEqual(served.slice(0, 1000));
    expect(fs.readdirSync(path.join(ws, '.studio', 'fetch')).length).toBe(1);

    const resumed = await studio(args).done;
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('resuming after page 2 (1000 bars already stored)');
    expect(resumed.stdout.match(/^page \d+:/gm)).toEqual(['page 3:', 'page 4:', 'page 5:']);
    expect(resumed.stdout).toContain('fetched 1340 1Min bars in 3 pages for SPY,AAPL');
    expect(resumed.stdout).toContain('the lake holds SPY 1170, AAPL 1170');
    expect(await lakeBars(ws)).toEqual(served);
    expect(fs.readdirSync(path.join(ws, '.studio', 'fetch'))).toEqual([]);

    // The whole fetch again: every bar is re-sent and merged, nothing doubles.
    const again = await studio(args).done;
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('fetched 2340 1Min bars in 5 pages');
    expect(await lakeBars(ws)).toEqual(served);
  });

  it('adds a new range to the bars already stored and fetches daily bars into their own partition', async () => {
    const s = await sim({ start: '2024-01-10T15:00:00Z' });
    const ws = tmpDir('studio-fetch-');
    const base = ['lake', 'fetch', '--symbols', 'MSFT', '--url', s.url, '--workspace', ws];
    expect((await studio([...base, '--from', '2024-01-03', '--to', '2024-01-03']).done).code).toBe(0);
    const next = await studio([...base, '--from', '2024-01-04T14:30:00Z', '--to', '2024-01-04T15:30:00Z']).done;
    expect(next.stdout).toContain('fetched 60 1Min bars in 1 pages for MSFT');
    expect(next.stdout).toContain('the lake holds MSFT 450');
    const daily = await studio([...base, '--timeframe', '1Day', '--from', '2024-01-02', '--to', '2024-01-09']).done;
    expect(daily.stdout).toContain('the lake holds MSFT 6');
    expect((await lakeBars(ws)).length).toBe(450);
  });

  it('names the flag at fault for bad input and passes on what the server refuses', async () => {
    const s = await sim({ keys: { keyId: 'good', secret: 'secret' } });
    const ws = tmpDir('studio-fetch-');
    const base = ['lake', 'fetch', '--url', s.url, '--workspace', ws];
    const badTf = await studio([...base, '--symbols', 'SPY', '--from', '2024-01-03', '--timeframe', '7Days']).done;
    expect([badTf.code, badTf.stderr.trim()]).toEqual([2, 'studio: --timeframe: expected one of 1Min, 5Min, 15Min, 1Hour, 1Day, got "7Days"']);
    const backwards = await studio([...base, '--symbols', 'SPY', '--from', '2024-01-05', '--to', '2024-01-03']).done;
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toContain('--to must be after --from');
    const crypto = await studio([...base, '--symbols', 'BTC/USD', '--from', '2024-01-05']).done;
    expect(crypto.code).toBe(2);
    expect(crypto.stderr).toContain('crypto pairs cannot be fetched into the lake yet');
    const refused = await studio([...base, '--symbols', 'SPY', '--from', '2024-01-02', '--to', '2024-01-02'], { APCA_API_KEY_ID: 'good', APCA_API_SECRET_KEY: 'wrong' }).done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^studio: historical bars for SPY: .*\(HTTP 403\)/);
    expect(refused.stdout + refused.stderr).not.toContain('wrong');

    // Real money only after a typed confirmation; nothing is fetched otherwise.
    const live = ['lake', 'fetch', '--live', '--workspace', ws, '--symbols', 'SPY', '--from', '2024-01-02'];
    const unasked = await studio(live).done;
    expect([unasked.code, unasked.stderr.trim().split('\n').at(-1)]).toEqual([2, 'studio: --live needs a confirmation: run it in a terminal and type "live" (or pipe it on stdin)']);
    const declined = await studio(live, {}, 'yes\n').done;
    expect(declined.code).toBe(2);
    expect(declined.stderr).toContain('real money');
    expect(declined.stderr).toContain('studio: --live not confirmed (expected "live", got "yes"); nothing was sent to Alpaca');
    const both = await studio([...live, '--url', s.url], {}, 'live\n').done;
    expect([both.code, both.stderr.trim()]).toEqual([2, "studio: --live and --url exclude each other: --live is Alpaca's real-money account"]);
  });
});
