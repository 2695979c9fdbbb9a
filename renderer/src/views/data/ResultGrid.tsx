// A result grid over a result that stays in the host: only the rows on screen are in the DOM,
// and only the pages around them are fetched (and a bounded number kept). Browsers cap an
// element's height (~33M px in Chromium), so past that the scrollbar maps proportionally onto
// rows instead of one pixel per pixel — which is why this does not use a stock virtualizer.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RpcClient } from '../../../../engine/rpc/client';
import { fmt } from '../../outputs/TableOutput';

export interface GridResult {
  id: string;
  columns: { name: string; type: string }[];
  rowCount: number;
}

const ROW_H = 26;
const PAGE = 200;
const MAX_PAGES = 60;
const MAX_PX = 10_000_000;
const OVERSCAN = 10;

export function ResultGrid({ client, result, height = 420 }: { client: RpcClient; result: GridResult; height?: number }) {
  const scroller = useRef<HTMLDivElement>(null);
  const pages = useRef(new Map<number, unknown[][]>());
  const pending = useRef(new Set<number>());
  const [, setVersion] = useState(0);
  const [scroll, setScroll] = useState({ top: 0, max: 1, view: height });
  const scrollTop = scroll.top;
  const [error, setError] = useState<string | null>(null);

  const spacer = Math.min(result.rowCount * ROW_H, MAX_PX);
  const scaled = result.rowCount * ROW_H > MAX_PX;
  // Rows that fit fully under the sticky header, so the last row is on screen at the very end.
  const visible = Math.max(1, Math.floor((scroll.view - ROW_H) / ROW_H));
  // Scaled: the scrollbar's position is the fraction of the result scrolled past.
  const first = scaled
    ? Math.floor(Math.min(1, scrollTop / scroll.max) * Math.max(0, result.rowCount - visible))
    : Math.floor(scrollTop / ROW_H);
  const from = Math.max(0, first - OVERSCAN);
  const to = Math.min(result.rowCount, first + visible + 1 + OVERSCAN);

  useEffect(() => {
    pages.current.clear();
    pending.current.clear();
    setScroll({ top: 0, max: 1, view: scroller.current?.clientHeight ?? height });
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [result.id]);

  const fetchPage = useCallback(
    (p: number) => {
      if (pages.current.has(p) || pending.current.has(p)) return;
      pending.current.add(p);
      client.call('lake.fetchRows', { id: result.id, offset: p * PAGE, limit: PAGE }).then(
        (r) => {
          pending.current.delete(p);
          pages.current.set(p, r.rows);
          // Keep memory bounded: drop the pages farthest from this one.
          if (pages.current.size > MAX_PAGES) {
            const far = [...pages.current.keys()].sort((a, b) => Math.abs(b - p) - Math.abs(a - p));
            for (const k of far.slice(0, pages.current.size - MAX_PAGES)) pages.current.delete(k);
          }
          setVersion((v) => v + 1);
        },
        (e: Error) => {
          pending.current.delete(p);
          setError(e.message);
        },
      );
    },
    [client, result.id],
  );

  useEffect(() => {
    if (to <= from) return;
    for (let p = Math.floor(from / PAGE); p <= Math.floor((to - 1) / PAGE); p++) fetchPage(p);
  }, [from, to, fetchPage]);

  // Wide enough for the largest row number, with its thousands separators.
  const numW = 24 + 8 * result.rowCount.toLocaleString().length;
  const cols = `${numW}px repeat(${result.columns.length}, minmax(120px, 1fr))`;
  const rows = [];
  for (let i = from; i < to; i++) {
    const page = pages.current.get(Math.floor(i / PAGE));
    const row = page?.[i % PAGE];
    const top = scaled ? scrollTop + (i - first) * ROW_H : i * ROW_H;
    rows.push(
      <div key={i} className={`grid-row ${row ? '' : 'loading'}`} style={{ top: top + ROW_H, gridTemplateColumns: cols }} data-testid="grid-row" data-row={i} data-loaded={row ? '1' : '0'}>
        <span className="muted">{i.toLocaleString()}</span>
        {result.columns.map((c, j) => <span key={c.name}>{row ? fmt(row[j]) : '…'}</span>)}
      </div>,
    );
  }
  return (
    <div className="grid" data-testid="result-grid">
      <div className="grid-scroll" ref={scroller} style={{ height }} onScroll={(e) => {
          const el = e.currentTarget;
          setScroll({ top: el.scrollTop, max: Math.max(1, el.scrollHeight - el.clientHeight), view: el.clientHeight });
        }} data-testid="grid-scroll">
        <div className="grid-head" style={{ gridTemplateColumns: cols }}>
          <span>#</span>
          {result.columns.map((c) => <span key={c.name} title={c.type}>{c.name}</span>)}
        </div>
        <div style={{ height: spacer, position: 'relative' }} />
        {/* Clipped to the spacer so rows drawn below the viewport never lengthen the scroll range. */}
        <div style={{ position: 'absolute', top: 0, left: 0, right: 0, height: spacer + ROW_H, overflowY: 'clip' }}>{rows}</div>
      </div>
      <div className="grid-foot muted small">
        <span data-testid="grid-count">{result.rowCount.toLocaleString()} rows</span>
        {error && <span className="error">{error}</span>}
      </div>
    </div>
  );
}
