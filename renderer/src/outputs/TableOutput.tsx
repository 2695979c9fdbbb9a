// A table output with a virtualized body: only the rows on screen are in the DOM. A big result
// carries its first rows inline and a reference to the rest, which stays in the kernel; pages of
// it are fetched from the host as they scroll into view.
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';

export interface TableData {
  schema: { fields: { name: string }[] };
  data: Record<string, unknown>[];
  total?: number;
  /** The kernel's handle on the full result, when only the first rows are inline. */
  ref?: string;
}

export type RowPage = { rows: Record<string, unknown>[]; total: number } | null;
/** Fetches rows of a kernel-held table; provided by the notebook that shows the output. */
export const RowFetcher = createContext<((ref: string, offset: number, limit: number) => Promise<RowPage>) | null>(null);

const ROW_H = 26;
export const PAGE_ROWS = 500;

export function fmt(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(8).replace(/\.?0+$/, '');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function TableOutput({ table, height = 320 }: { table: TableData; height?: number }) {
  const scroller = useRef<HTMLDivElement>(null);
  const fetchRows = useContext(RowFetcher);
  const fields = table.schema.fields.map((f) => f.name);
  const inline = table.data;
  const total = table.total ?? inline.length;
  const pageable = !!(table.ref && fetchRows && total > inline.length);
  const [unavailable, setUnavailable] = useState(false);
  const pages = useRef(new Map<number, Record<string, unknown>[] | 'loading'>());
  const [, setLoaded] = useState(0);
  const count = pageable && !unavailable ? total : inline.length;
  const v = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 12 });
  const items = v.getVirtualItems();

  const rowAt = (i: number): Record<string, unknown> | undefined => {
    if (i < inline.length) return inline[i];
    const page = pages.current.get(Math.floor(i / PAGE_ROWS));
    return page && page !== 'loading' ? page[i % PAGE_ROWS] : undefined;
  };

  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (!pageable || unavailable || !fetchRows || !table.ref) return;
    for (let p = Math.floor(first / PAGE_ROWS); p <= Math.floor(last / PAGE_ROWS); p++) {
      if ((p + 1) * PAGE_ROWS <= inline.length || pages.current.has(p)) continue;
      pages.current.set(p, 'loading');
      void fetchRows(table.ref, p * PAGE_ROWS, PAGE_ROWS).then(
        (page) => {
          if (!page) {
            setUnavailable(true);
            return;
          }
          pages.current.set(p, page.rows);
          setLoaded((n) => n + 1);
        },
        () => pages.current.delete(p),
      );
    }
  }, [first, last, pageable, unavailable, fetchRows, table.ref, inline.length]);

  const cols = `64px repeat(${fields.length}, minmax(110px, 1fr))`;
  return (
    <div className="table-output" data-testid="table-output">
      <div className="table-scroll" ref={scroller} style={{ maxHeight: height }} data-testid="table-scroll">
        <div className="table-row table-head" style={{ gridTemplateColumns: cols }}>
          <span className="rownum">#</span>
          {fields.map((f) => <span key={f}>{f}</span>)}
        </div>
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const r = rowAt(item.index);
            return (
              <div key={item.key} className="table-row" data-row={item.index} style={{ gridTemplateColumns: cols, position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)`, height: ROW_H }}>
                <span className="rownum">{item.index}</span>
                {r ? fields.map((f) => <span key={f} title={fmt(r[f])}>{fmt(r[f])}</span>) : <span className="muted">…</span>}
              </div>
            );
          })}
        </div>
      </div>
      <div className="muted small" data-testid="table-summary">
        {pageable && !unavailable
          ? `${total.toLocaleString('en-US')} rows (${inline.length.toLocaleString('en-US')} inline, the rest fetched as you scroll)`
          : total > inline.length
            ? `${inline.length} of ${total} rows shown${table.ref ? ' (the rest was held by a kernel that has since restarted)' : ''}`
            : `${inline.length} rows`}
      </div>
    </div>
  );
}
