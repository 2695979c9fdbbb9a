// A table output with a virtualized body: only the rows on screen are in the DOM.
import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';

export interface TableData {
  schema: { fields: { name: string }[] };
  data: Record<string, unknown>[];
  total?: number;
}

const ROW_H = 26;

export function fmt(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(8).replace(/\.?0+$/, '');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function TableOutput({ table, height = 320 }: { table: TableData; height?: number }) {
  const scroller = useRef<HTMLDivElement>(null);
  const fields = table.schema.fields.map((f) => f.name);
  const rows = table.data;
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 12 });
  const cols = `56px repeat(${fields.length}, minmax(110px, 1fr))`;
  return (
    <div className="table-output" data-testid="table-output">
      <div className="table-scroll" ref={scroller} style={{ maxHeight: height }}>
        <div className="table-row table-head" style={{ gridTemplateColumns: cols }}>
          <span className="rownum">#</span>
          {fields.map((f) => <span key={f}>{f}</span>)}
        </div>
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((item) => {
            const r = rows[item.index];
            return (
              <div key={item.key} className="table-row" style={{ gridTemplateColumns: cols, position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)`, height: ROW_H }}>
                <span className="rownum">{item.index}</span>
                {fields.map((f) => <span key={f} title={fmt(r[f])}>{fmt(r[f])}</span>)}
              </div>
            );
          })}
        </div>
      </div>
      <div className="muted small">{table.total && table.total > rows.length ? `${rows.length} of ${table.total} rows shown` : `${rows.length} rows`}</div>
    </div>
  );
}
