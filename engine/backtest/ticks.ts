// Trades and quotes for a backtest, read from the workspace lake's `trades` and `quotes` datasets
// into the engine's tick columns, and the CLI/host names for the tick, latency and slippage options.
import path from 'node:path';
import type { SlippageModel } from '../core/orders/costs';
import type { QuoteColumns, SymbolTicks, TickData, TradeColumns } from '../core/backtest/ticks';
import { Lake } from '../lake/lake';
import { boundNs } from '../lake/read';
import { BarRequestError } from './bars';

export const TICK_KINDS = ['trades', 'quotes', 'both'] as const;
export type TickKind = (typeof TICK_KINDS)[number];

export interface TickRequest {
  symbols: string[];
  kind: TickKind;
  /** Inclusive, YYYY-MM-DD (New York date) or an ISO instant. */
  from?: string;
  to?: string;
}

/** `--ticks` value, or a clear error naming the flag. */
export function checkTickKind(v: string, flag = '--ticks'): TickKind {
  if (!(TICK_KINDS as readonly string[]).includes(v)) throw new BarRequestError(`${flag} ${v}: expected ${TICK_KINDS.join(', ')}`);
  return v as TickKind;
}

/** `--latency` in milliseconds. */
export function checkLatency(v: unknown, flag = '--latency'): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (!(typeof n === 'number' && Number.isFinite(n) && n >= 0)) throw new BarRequestError(`${flag} ${String(v)}: expected a number of milliseconds >= 0`);
  return n;
}

/** `--slippage none | half-spread | fixed-bps:N | volume-share:K`. */
export function parseSlippage(spec: string, flag = '--slippage'): SlippageModel {
  const [kind, arg] = spec.split(/[:=]/, 2);
  const num = arg === undefined ? undefined : Number(arg);
  if (num !== undefined && !(Number.isFinite(num) && num >= 0)) throw new BarRequestError(`${flag} ${spec}: the number after ':' must be >= 0`);
  switch (kind) {
    case 'none':
      return { kind: 'none' };
    case 'half-spread':
      if (arg !== undefined) break;
      return { kind: 'half-spread' };
    case 'fixed-bps':
      return { kind: 'fixed-bps', bps: num ?? 5 };
    case 'volume-share':
      return { kind: 'volume-share', priceImpact: num ?? 0.1 };
  }
  throw new BarRequestError(`${flag} ${spec}: expected none, half-spread (quotes needed), fixed-bps[:bps] or volume-share[:impact]`);
}

function rangeSql(from: string | undefined, to: string | undefined, params: unknown[]): string {
  let s = '';
  try {
    if (from !== undefined) {
      params.push(boundNs(from, false).toString());
      s += ` and epoch_ns(ts) >= $${params.length}::bigint`;
    }
    if (to !== undefined) {
      params.push(boundNs(to, true).toString());
      s += ` and epoch_ns(ts) < $${params.length}::bigint`;
    }
  } catch (e) {
    throw new BarRequestError(`--from/--to: ${(e as Error).message}`);
  }
  return s;
}

/**
 * Reads each symbol's trades and/or quotes in time order (rows sharing a timestamp keep a fixed
 * order, so runs repeat exactly). A symbol with none of the asked kind is an error naming it.
 */
export async function readLakeTicks(lakeDir: string, req: TickRequest): Promise<TickData> {
  const lake = await Lake.open(lakeDir);
  try {
    const out: Record<string, SymbolTicks> = {};
    for (const symbol of req.symbols) {
      let trades: TradeColumns | undefined;
      let quotes: QuoteColumns | undefined;
      if (req.kind !== 'quotes') {
        const params: unknown[] = [symbol];
        const range = rangeSql(req.from, req.to, params);
        const r = await lake.connection.runAndReadAll(
          `select epoch_ns(ts), price, coalesce(size, 'nan'::double) from trades where symbol = $1${range} order by ts, price, size`,
          params as never,
        );
        const rows = r.getRowsJS() as [bigint, number, number][];
        if (rows.length > 0) {
          trades = { ts: BigInt64Array.from(rows, (x) => BigInt(x[0])), price: Float64Array.from(rows, (x) => x[1]), size: Float64Array.from(rows, (x) => x[2]) };
        }
      }
      if (req.kind !== 'trades') {
        const params: unknown[] = [symbol];
        const range = rangeSql(req.from, req.to, params);
        const r = await lake.connection.runAndReadAll(
          `select epoch_ns(ts), bid, ask, coalesce(bid_size, 'nan'::double), coalesce(ask_size, 'nan'::double) from quotes where symbol = $1${range} order by ts, bid, ask, bid_size, ask_size`,
          params as never,
        );
        const rows = r.getRowsJS() as [bigint, number, number, number, number][];
        if (rows.length > 0) {
          quotes = {
            ts: BigInt64Array.from(rows, (x) => BigInt(x[0])),
            bid: Float64Array.from(rows, (x) => x[1]),
            ask: Float64Array.from(rows, (x) => x[2]),
            bidSize: Float64Array.from(rows, (x) => x[3]),
            askSize: Float64Array.from(rows, (x) => x[4]),
          };
        }
      }
      if (trades === undefined && quotes === undefined) {
        const what = req.kind === 'both' ? 'trades or quotes' : req.kind;
        const range = req.from !== undefined || req.to !== undefined ? ` between ${req.from ?? 'the start'} and ${req.to ?? 'the end'}` : '';
        throw new BarRequestError(`--ticks ${req.kind}: no ${what} for ${symbol}${range} in ${path.resolve(lakeDir)} (import a tick file with \`studio lake import FILE --symbol ${symbol}\`)`);
      }
      out[symbol] = { trades, quotes };
    }
    return out;
  } finally {
    lake.close();
  }
}
