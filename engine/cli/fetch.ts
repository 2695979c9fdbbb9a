// `studio lake fetch`: historical bars from Alpaca (or any Alpaca-protocol server such as
// `studio sim`) into the workspace lake. Progress is checkpointed as Alpaca's page_token after
// every lake write, so an interrupted fetch resumes where it stopped, and rows are merged on
// symbol+timeframe+ts, so running the same fetch again leaves the same rows.
// The SDK v4 has no base-URL setting, so another server is chosen with `--url` (or the v3-era
// APCA_DATA_BASE_URL) and reached by rewriting the host; keys come from APCA_API_KEY_ID /
// APCA_API_SECRET_KEY or the workspace's .env, and a loopback server without keys gets
// placeholder ones (the simulator takes any pair unless started with --key). Paper is the
// default; `--live` (the real-money account) only after the user types a confirmation.

import type { Command } from 'commander';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { AlpacaCredentials, AlpacaError, AlpacaMarketData, askOnTerminal, chooseEndpoint, connect, createAdapterLogger, loadCredentials, type AlpacaEndpoint, type MarketData } from '../alpaca';
import { addDays, newYorkToUtcMs } from '../core/calendar';
import { TIMEFRAMES, type BarColumns, type Timeframe } from '../core/data/bars';
import { openWorkspace } from '../host/workspace';
import { Lake } from '../lake/lake';
import { writeBars } from '../lake/writer';
import { writeFileAtomic } from '../util/atomic';
import { fail, workspaceOption, wsDir } from './common';

export type Feed = 'iex' | 'sip';
export type Adjustment = 'raw' | 'split' | 'dividend' | 'all';

export interface LakeFetchRequest {
  symbols: string[];
  timeframe: Timeframe;
  start: Date;
  end: Date;
  feed: Feed;
  adjustment: Adjustment;
}

export interface LakeFetchOptions extends LakeFetchRequest {
  lakeDir: string;
  /** Folder of the checkpoint files (one per distinct request). */
  checkpointDir: string;
  /** Where the data came from, recorded in the lake manifest. */
  source: string;
  /** Bars per request (Alpaca: 1–10000). */
  pageLimit?: number;
  /** Write to the lake and checkpoint once at least this many bars are buffered. */
  checkpointRows?: number;
  onProgress?: (line: string) => void;
}

export interface LakeFetchResult {
  fetched: number;
  pages: number;
  /** Pages skipped because an earlier, interrupted run had stored them. */
  resumedAfterPages: number;
  /** Rows the lake holds per symbol for this timeframe afterwards. */
  stored: Record<string, number>;
}

interface Checkpoint {
  version: 1;
  request: Record<string, string>;
  nextPageToken: string;
  pages: number;
  rows: number;
}

interface Row { open: number; high: number; low: number; close: number; volume: number; vwap: number; tradeCount: number }

const requestKey = (r: LakeFetchRequest): Record<string, string> => ({
  symbols: [...r.symbols].sort().join(','), timeframe: r.timeframe, start: r.start.toISOString(), end: r.end.toISOString(),
  feed: r.feed, adjustment: r.adjustment,
});

export function checkpointFile(dir: string, r: LakeFetchRequest): string {
  const hash = crypto.createHash('sha256').update(JSON.stringify(requestKey(r))).digest('hex').slice(0, 16);
  return path.join(dir, `bars-${hash}.json`);
}

function readCheckpoint(file: string, r: LakeFetchRequest): Checkpoint | undefined {
  let cp: Checkpoint;
  try {
    cp = JSON.parse(fs.readFileSync(file, 'utf8')) as Checkpoint;
  } catch {
    return undefined; // none, or torn by a crash before the atomic rename: start over
  }
  const want = requestKey(r);
  const same = cp.version === 1 && typeof cp.nextPageToken === 'string' && Object.keys(want).every((k) => cp.request?.[k] === want[k]);
  return same ? cp : undefined;
}

/** Rows the lake holds per symbol for one timeframe. */
async function storedCounts(lake: Lake, symbols: readonly string[], timeframe: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of symbols) {
    const reader = await lake.connection.runAndReadAll(`select count(*)::double from bars where symbol = $1 and timeframe = $2`, [s, timeframe]);
    out[s] = Number(reader.getRows()[0][0]);
  }
  return out;
}

function toColumns(symbol: string, timeframe: Timeframe, rows: Map<bigint, Row>): BarColumns {
  const keys = [...rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const n = keys.length;
  const b: BarColumns = {
    symbol, timeframe, ts: new BigInt64Array(keys), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n),
    close: new Float64Array(n), volume: new Float64Array(n), vwap: new Float64Array(n), tradeCount: new Float64Array(n),
  };
  keys.forEach((k, i) => {
    const r = rows.get(k) as Row;
    b.open[i] = r.open; b.high[i] = r.high; b.low[i] = r.low; b.close[i] = r.close;
    b.volume[i] = r.volume; b.vwap[i] = r.vwap; b.tradeCount[i] = r.tradeCount;
  });
  return b;
}

/**
 * Pages bars from `md` into the lake. Each flush hands the buffered bars to the lake writer,
 * which merges them into the stored partition (a re-sent bar replaces the stored one), and only
 * then records the next page_token: a crash between the two refetches a page, never loses one.
 */
export async function fetchBarsToLake(md: MarketData, o: LakeFetchOptions): Promise<LakeFetchResult> {
  const say = o.onProgress ?? (() => {});
  const file = checkpointFile(o.checkpointDir, o);
  let cp = readCheckpoint(file, o);
  const resumedAfterPages = cp?.pages ?? 0;
  if (cp) say(`resuming after page ${cp.pages} (${cp.rows} bars already stored) from ${path.basename(file)}`);
  const buffer = new Map<string, Map<bigint, Row>>();
  let buffered = 0;
  let fetched = 0;
  let pages = cp?.pages ?? 0;
  let rows = cp?.rows ?? 0;

  const flush = async (nextPageToken: string | null): Promise<void> => {
    if (buffered > 0) {
      const blocks = [...buffer].map(([symbol, fresh]) => toColumns(symbol, o.timeframe, fresh));
      await writeBars(o.lakeDir, blocks, o.source);
      buffer.clear();
      buffered = 0;
    }
    if (nextPageToken === null) {
      fs.rmSync(file, { force: true });
      return;
    }
    const next: Checkpoint = { version: 1, request: requestKey(o), nextPageToken, pages, rows };
    writeFileAtomic(file, JSON.stringify(next, null, 1) + '\n');
    say(`checkpoint: page ${pages}, ${rows} bars fetched so far`);
  };

  for (let attempt = 0; ; attempt++) {
    try {
      const stream = md.barPages({
        symbols: o.symbols, timeframe: o.timeframe, start: o.start, end: o.end, feed: o.feed, adjustment: o.adjustment,
        pageLimit: o.pageLimit ?? 10_000, pageToken: cp?.nextPageToken,
      });
      for await (const page of stream) {
        pages++;
        for (const bar of page.items) {
          let m = buffer.get(bar.symbol);
          if (!m) buffer.set(bar.symbol, (m = new Map()));
          m.set(bar.start, { open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume, vwap: bar.vwap, tradeCount: bar.tradeCount });
        }
        buffered += page.items.length;
        fetched += page.items.length;
        rows += page.items.length;
        say(`page ${pages}: ${page.items.length} bars`);
        if (page.nextPageToken === null || buffered >= (o.checkpointRows ?? 50_000)) await flush(page.nextPageToken);
      }
      // The stream can also stop without a null token (on a repeated one): keep what came.
      if (buffered > 0) await flush(null);
      break;
    } catch (err) {
      // A stored token the server no longer accepts: the merge makes starting over safe.
      const refused = err instanceof AlpacaError && (err.status === 400 || err.status === 422);
      if (!cp || fetched > 0 || attempt > 0 || !refused) throw err;
      say(`the server refused the saved page_token (${err.message}); starting this fetch over`);
      fs.rmSync(file, { force: true });
      cp = undefined;
      pages = 0;
      rows = 0;
    }
  }
  const lake = await Lake.open(o.lakeDir);
  try {
    return { fetched, pages, resumedAfterPages, stored: await storedCounts(lake, o.symbols, o.timeframe) };
  } finally {
    lake.close();
  }
}

// --- the command ---------------------------------------------------------------------------------

/**
 * `--from`/`--to` take a date (a New York calendar day; `--to` includes its whole day) or an
 * RFC-3339 instant (used as is; `--to` is then exclusive, as Alpaca's `end`).
 */
export function parseRange(from: string, to: string | undefined, now: number): { start: Date; end: Date } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const instant = (text: string, flag: string, endOfDay: boolean): number => {
    if (day.test(text)) {
      const ms = newYorkToUtcMs(endOfDay ? addDays(text, 1) : text);
      if (Number.isFinite(ms)) return ms;
    } else if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
      const ms = Date.parse(text);
      if (Number.isFinite(ms)) return ms;
    }
    throw new Error(`${flag}: expected a date (2024-01-03) or an RFC-3339 time (2024-01-03T14:30:00Z), got "${text}"`);
  };
  const start = instant(from, '--from', false);
  const end = to === undefined ? now : instant(to, '--to', true);
  if (end <= start) throw new Error(`--to must be after --from (${new Date(start).toISOString()} .. ${new Date(end).toISOString()})`);
  return { start: new Date(start), end: new Date(end) };
}

export function parseSymbols(text: string): string[] {
  const symbols = [...new Set(text.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== ''))];
  if (symbols.length === 0) throw new Error('--symbols: expected a comma-separated list such as SPY,AAPL');
  for (const s of symbols) {
    if (s.includes('/')) throw new Error(`--symbols: ${s}: crypto pairs cannot be fetched into the lake yet (its partitions are per stock symbol)`);
    if (!/^[A-Z0-9][A-Z0-9.\-]{0,20}$/.test(s)) throw new Error(`--symbols: "${s}" is not a stock symbol`);
  }
  return symbols;
}

const isLoopback = (u: URL): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);

interface FetchCliOptions {
  symbols: string;
  timeframe: string;
  from: string;
  to?: string;
  feed: string;
  adjustment: string;
  pageLimit: number;
  checkpointRows: number;
  url?: string;
  live?: boolean;
  workspace?: string;
}

function positiveInt(flag: string, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${flag}: expected an integer 1–${max}, got "${v}"`);
    return n;
  };
}

/** Adds `fetch` to the `studio lake` command group. */
export function registerLakeFetch(lake: Command): void {
  lake
    .command('fetch')
    .description('fetch historical bars from Alpaca (or `studio sim`) into the lake; resumable and idempotent')
    .requiredOption('--symbols <list>', 'comma-separated stock symbols, e.g. SPY,AAPL')
    .option('--timeframe <tf>', `bar timeframe: ${TIMEFRAMES.join(', ')}`, '1Min')
    .requiredOption('--from <date>', 'first day (New York date) or RFC-3339 instant')
    .option('--to <date>', 'last day, included (or an RFC-3339 instant, excluded); default: now')
    .option('--feed <feed>', 'iex (free) or sip', 'iex')
    .option('--adjustment <a>', 'raw, split, dividend or all', 'raw')
    .option('--page-limit <n>', 'bars per request (1–10000)', positiveInt('--page-limit', 10_000), 10_000)
    .option('--checkpoint-rows <n>', 'write to the lake and checkpoint after this many bars', positiveInt('--checkpoint-rows'), 50_000)
    .option('--url <url>', 'an Alpaca-protocol server instead of Alpaca, e.g. the URL `studio sim` prints (env: APCA_DATA_BASE_URL)')
    .option('--live', 'use the live (real-money) account\'s keys and endpoints instead of paper; asks for a typed confirmation')
    .addOption(workspaceOption())
    .action(async (o: FetchCliOptions) => {
      let req: LakeFetchRequest;
      try {
        if (!(TIMEFRAMES as readonly string[]).includes(o.timeframe)) throw new Error(`--timeframe: expected one of ${TIMEFRAMES.join(', ')}, got "${o.timeframe}"`);
        if (o.feed !== 'iex' && o.feed !== 'sip') throw new Error(`--feed: expected iex or sip, got "${o.feed}"`);
        if (!['raw', 'split', 'dividend', 'all'].includes(o.adjustment)) throw new Error(`--adjustment: expected raw, split, dividend or all, got "${o.adjustment}"`);
        req = { symbols: parseSymbols(o.symbols), timeframe: o.timeframe as Timeframe, feed: o.feed, adjustment: o.adjustment as Adjustment, ...parseRange(o.from, o.to, Date.now()) };
      } catch (e) {
        fail((e as Error).message, 2);
      }
      const rawUrl = o.url ?? (o.live ? undefined : process.env.APCA_DATA_BASE_URL || undefined);
      let endpoint: AlpacaEndpoint;
      try {
        endpoint = await chooseEndpoint({ live: o.live, url: rawUrl }, askOnTerminal);
      } catch (e) {
        fail((e as Error).message, 2);
      }
      const server = endpoint.kind === 'simulator' ? new URL(endpoint.url) : undefined;
      const ws = await openWorkspace(wsDir(o), { seed: false });
      // A first start interrupted while seeding finishes that before anything else writes the lake.
      await ws.lakeReady;
      const logger = createAdapterLogger({ level: 'warn' }, pino.destination(2));
      let credentials = loadCredentials({ envFile: path.join(ws.dir, '.env'), logger }) ?? loadCredentials({ logger });
      if (!credentials) {
        // The simulator takes any key pair unless started with --key; Alpaca itself needs real ones.
        if (server && isLoopback(server)) credentials = new AlpacaCredentials('studio', 'simulator');
        else fail(`no Alpaca keys: set APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment or in ${path.join(ws.dir, '.env')}`, 2);
      }
      const conn = connect({ endpoint, credentials, logger });
      const lakeDir = path.join(ws.dir, 'lake');
      const source = server ? `alpaca-protocol ${server.origin} (feed=${req.feed}, adjustment=${req.adjustment})` : `alpaca${endpoint.kind === 'live' ? ' live' : ''} (feed=${req.feed}, adjustment=${req.adjustment})`;
      try {
        const r = await fetchBarsToLake(new AlpacaMarketData(conn), {
          ...req, lakeDir, checkpointDir: path.join(ws.dir, '.studio', 'fetch'), source, pageLimit: o.pageLimit, checkpointRows: o.checkpointRows,
          onProgress: (line) => process.stdout.write(`${line}\n`),
        });
        const held = Object.entries(r.stored).map(([s, n]) => `${s} ${n}`).join(', ');
        process.stdout.write(
          `fetched ${r.fetched} ${req.timeframe} bars in ${r.pages - r.resumedAfterPages} pages for ${req.symbols.join(',')} `
          + `(${req.start.toISOString()} .. ${req.end.toISOString()}); the lake holds ${held}\n`,
        );
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
      }
    });
}
