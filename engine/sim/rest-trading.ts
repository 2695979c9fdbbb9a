// Trading API v2 routes of the simulator: account, assets, clock, calendar, orders, positions.

import { assetId, type SimBroker } from './broker';
import { route, type Route } from './http';
import type { Market } from './market';
import { ApiFailure, CODE, invalid } from './orders';
import type { SymbolInfo } from './source';
import {
  DAY_MS, currentOrNextSession, dateOfDayNumber, dayNumber, etDate, isMarketOpen, parseTime, rfc3339Et, sessionOn,
} from './time';

export function assetJson(s: SymbolInfo): Record<string, unknown> {
  const crypto = s.assetClass === 'crypto';
  return {
    id: assetId(s.symbol),
    class: s.assetClass,
    exchange: s.exchange,
    symbol: s.symbol,
    name: s.name,
    status: 'active',
    tradable: true,
    marginable: !crypto,
    maintenance_margin_requirement: crypto ? 100 : 30,
    margin_requirement_long: crypto ? '100' : '30',
    margin_requirement_short: crypto ? '100' : '100',
    shortable: !crypto,
    easy_to_borrow: !crypto,
    fractionable: true,
    attributes: [],
    ...(crypto ? { min_order_size: '0.000001', min_trade_increment: '0.000000001', price_increment: '0.01' } : {}),
  };
}

function settlementDate(date: string): string {
  // T+1 since 2024-05-28, T+2 before.
  let remaining = date >= '2024-05-28' ? 1 : 2;
  let day = dayNumber(date);
  while (remaining > 0) {
    day++;
    if (sessionOn(dateOfDayNumber(day))) remaining--;
  }
  return dateOfDayNumber(day);
}

function findAsset(market: Market, symbolOrId: string): SymbolInfo {
  const wanted = symbolOrId.toUpperCase();
  for (const s of market.symbols()) {
    if (s.symbol === wanted || assetId(s.symbol) === symbolOrId || s.symbol.replace('/', '') === wanted) return s;
  }
  throw new ApiFailure(404, CODE.notFound, 'asset not found');
}

function parseBool(text: string | null): boolean {
  return text === 'true' || text === '1';
}

export function tradingRoutes(broker: SimBroker, market: Market, now: () => number): Route[] {
  return [
    route('GET', /^\/v2\/account$/, () => ({ status: 200, body: broker.account() })),

    route('GET', /^\/v2\/assets$/, (ctx) => {
      const status = ctx.query.get('status');
      const cls = ctx.query.get('asset_class');
      const exchange = ctx.query.get('exchange');
      const list = market.symbols()
        .filter(() => !status || status === 'active')
        .filter((s) => !cls || s.assetClass === cls)
        .filter((s) => !exchange || s.exchange === exchange)
        .map(assetJson);
      return { status: 200, body: list };
    }),
    route('GET', /^\/v2\/assets\/(.+)$/, (_ctx, [id]) => ({ status: 200, body: assetJson(findAsset(market, id)) })),

    route('GET', /^\/v2\/clock$/, () => {
      const t = now();
      const open = isMarketOpen(t);
      const session = currentOrNextSession(t);
      const nextOpen = open ? currentOrNextSession(session.close + 1).open : session.open;
      return { status: 200, body: { timestamp: rfc3339Et(t), is_open: open, next_open: rfc3339Et(nextOpen), next_close: rfc3339Et(session.close) } };
    }),

    route('GET', /^\/v2\/calendar$/, (ctx) => {
      const t = now();
      const parseDay = (name: string, fallback: number): number => {
        const raw = ctx.query.get(name);
        if (raw === null || raw === '') return fallback;
        const ms = parseTime(raw);
        if (Number.isNaN(ms)) throw invalid(`invalid ${name}`);
        // v4 sends a full ISO timestamp; v3 sends a date. Both mean that calendar date.
        return dayNumber(raw.length === 10 ? raw : new Date(ms).toISOString().slice(0, 10));
      };
      const from = parseDay('start', dayNumber(etDate(t - 30 * DAY_MS)));
      const to = parseDay('end', dayNumber(etDate(t + 30 * DAY_MS)));
      if (to - from > 366 * 20) throw invalid('calendar range too large');
      const days: Record<string, string>[] = [];
      for (let d = from; d <= to; d++) {
        const s = sessionOn(dateOfDayNumber(d));
        if (s) {
          const hhmm = (ms: number, sep: string): string => rfc3339Et(ms).slice(11, 16).replace(':', sep);
          days.push({ date: s.date, open: hhmm(s.open, ':'), close: hhmm(s.close, ':'), session_open: hhmm(s.preOpen, ''), session_close: hhmm(s.postClose, ''), settlement_date: settlementDate(s.date) });
        }
      }
      return { status: 200, body: days };
    }),

    route('GET', /^\/v2\/orders$/, (ctx) => {
      const q = ctx.query;
      const status = q.get('status') ?? 'open';
      if (status !== 'open' && status !== 'closed' && status !== 'all') throw invalid('invalid status');
      const limit = q.get('limit') === null ? 50 : Number(q.get('limit'));
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalid('invalid limit');
      const direction = q.get('direction') ?? 'desc';
      if (direction !== 'asc' && direction !== 'desc') throw invalid('invalid direction');
      const time = (name: string): number | undefined => {
        const raw = q.get(name);
        if (!raw) return undefined;
        const ms = parseTime(raw);
        if (Number.isNaN(ms)) throw invalid(`invalid ${name}`);
        return ms;
      };
      const symbols = q.get('symbols');
      return {
        status: 200,
        body: broker.listOrders({
          status, limit, direction, nested: parseBool(q.get('nested')),
          after: time('after'), until: time('until'),
          symbols: symbols ? new Set(symbols.split(',').map((s) => s.trim().toUpperCase())) : undefined,
          side: q.get('side') ?? undefined,
        }),
      };
    }),
    route('POST', /^\/v2\/orders$/, (ctx) => ({ status: 200, body: broker.submit(ctx.body) })),
    route('DELETE', /^\/v2\/orders$/, () => ({ status: 207, body: broker.cancelAll() })),
    route('GET', /^\/v2\/orders:by_client_order_id$/, (ctx) => {
      const id = ctx.query.get('client_order_id');
      if (!id) throw invalid('client_order_id is required');
      return { status: 200, body: broker.json(broker.orderByClientId(id)) };
    }),
    route('GET', /^\/v2\/orders\/([^/]+)$/, (_ctx, [id]) => ({ status: 200, body: broker.json(broker.order(id)) })),
    route('PATCH', /^\/v2\/orders\/([^/]+)$/, (ctx, [id]) => ({ status: 200, body: broker.replace(id, ctx.body) })),
    route('DELETE', /^\/v2\/orders\/([^/]+)$/, (_ctx, [id]) => {
      broker.cancel(id);
      return { status: 204 };
    }),

    route('GET', /^\/v2\/positions$/, () => ({ status: 200, body: broker.positionList() })),
    route('DELETE', /^\/v2\/positions$/, (ctx) => ({ status: 207, body: broker.closeAll(parseBool(ctx.query.get('cancel_orders'))) })),
    route('GET', /^\/v2\/positions\/(.+)$/, (_ctx, [sym]) => ({ status: 200, body: broker.position(sym) })),
    route('DELETE', /^\/v2\/positions\/(.+)$/, (ctx, [sym]) => ({
      status: 200,
      body: broker.closePosition(sym, ctx.query.get('qty'), ctx.query.get('percentage')),
    })),
  ];
}
