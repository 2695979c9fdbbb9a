// Turns values into Jupyter mime bundles: what `display(x)` and a cell's last expression show.
import { inspect } from 'node:util';
import { registerTable } from './inspect';

export type MimeBundle = Record<string, unknown>;

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
export const TABLE_MIME = 'application/vnd.dataresource+json';
/** Rows kept inline in a table output; the rest is summarised (paging on demand is the grid's job). */
export const TABLE_INLINE_ROWS = 5000;

const MARK = Symbol.for('studio.mime');

/** A value that already knows its mime bundle (from display.html(), display.markdown(), …). */
export interface RichValue {
  [MARK]: MimeBundle;
}

export function rich(bundle: MimeBundle): RichValue {
  return { [MARK]: bundle } as RichValue;
}

function isRich(v: unknown): v is RichValue {
  return typeof v === 'object' && v !== null && MARK in v;
}

function isPlotlyFigure(v: unknown): v is { data: unknown[]; layout?: unknown } {
  return typeof v === 'object' && v !== null && Array.isArray((v as { data?: unknown }).data) &&
    ((v as { data: unknown[] }).data.every((t) => typeof t === 'object' && t !== null)) &&
    ('layout' in v || (v as { data: unknown[] }).data.some((t) => 'type' in (t as object) || 'x' in (t as object)));
}

interface ArrowLike {
  schema: { fields: { name: string; type: { toString(): string } }[] };
  numRows: number;
  toArray(): unknown[];
}

function isArrowTable(v: unknown): v is ArrowLike {
  return typeof v === 'object' && v !== null && 'schema' in v && 'numRows' in v && typeof (v as ArrowLike).toArray === 'function';
}

function isRowArray(v: unknown): v is Record<string, unknown>[] {
  return Array.isArray(v) && v.length > 0 && v.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r)) &&
    Object.getPrototypeOf(v[0]) === Object.prototype;
}

function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && v !== null && 'toJSON' in v && typeof (v as { toJSON: unknown }).toJSON === 'function') {
    return (v as { toJSON(): unknown }).toJSON();
  }
  return v;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function tableBundle(fields: string[], rows: Record<string, unknown>[], total: number): MimeBundle {
  const kept = rows.slice(0, TABLE_INLINE_ROWS).map((r) => {
    const o: Record<string, unknown> = {};
    for (const f of fields) o[f] = jsonSafe(r[f]);
    return o;
  });
  const preview = kept.slice(0, 20);
  const widths = fields.map((f) => Math.min(24, Math.max(f.length, ...preview.map((r) => String(r[f] ?? '').length))));
  const line = (cells: string[]) => cells.map((c, i) => c.slice(0, 24).padEnd(widths[i])).join('  ');
  const text = [line(fields), ...preview.map((r) => line(fields.map((f) => String(r[f] ?? ''))))];
  if (total > preview.length) text.push(`… ${total} rows`);
  const html =
    `<table><thead><tr>${fields.map((f) => `<th>${escapeHtml(f)}</th>`).join('')}</tr></thead><tbody>` +
    preview.map((r) => `<tr>${fields.map((f) => `<td>${escapeHtml(String(r[f] ?? ''))}</td>`).join('')}</tr>`).join('') +
    `</tbody></table>` + (total > preview.length ? `<p>${total} rows</p>` : '');
  return {
    [TABLE_MIME]: { schema: { fields: fields.map((name) => ({ name })) }, data: kept, total },
    'text/html': html,
    'text/plain': text.join('\n'),
  };
}

/** Rows beyond the inline ones stay in the kernel; the output names them so the grid can page. */
function withPagingRef(bundle: MimeBundle, value: unknown, total: number): MimeBundle {
  if (total <= TABLE_INLINE_ROWS) return bundle;
  const table = bundle[TABLE_MIME] as Record<string, unknown>;
  return { ...bundle, [TABLE_MIME]: { ...table, ref: registerTable(value) } };
}

export function toMimeBundle(value: unknown): MimeBundle {
  if (isRich(value)) return value[MARK];
  if (typeof value === 'string') return { 'text/plain': value };
  // Before the Plotly check: an Arrow table also has a `data` array (its record batches).
  if (isArrowTable(value)) {
    const fields = value.schema.fields.map((f) => f.name);
    // Arrow hands times over as epoch milliseconds; a table shows them as ISO text.
    const times = value.schema.fields.filter((f) => /^(Timestamp|Date)/.test(String(f.type))).map((f) => f.name);
    const rows = value.toArray().slice(0, TABLE_INLINE_ROWS).map((r) => {
      const o = (r as { toJSON(): Record<string, unknown> }).toJSON();
      for (const k of times) if (typeof o[k] === 'number') o[k] = new Date(o[k] as number).toISOString();
      return o;
    });
    return withPagingRef(tableBundle(fields, rows, value.numRows), value, value.numRows);
  }
  if (isPlotlyFigure(value)) {
    const fig = JSON.parse(JSON.stringify(value, (_k, v) => jsonSafe(v)));
    return { [PLOTLY_MIME]: fig, 'text/plain': `<Plotly figure: ${value.data.length} trace(s)>` };
  }
  if (isRowArray(value)) {
    const fields = [...new Set(value.slice(0, 100).flatMap((r) => Object.keys(r)))];
    return withPagingRef(tableBundle(fields, value, value.length), value, value.length);
  }
  if (value instanceof Uint8Array && value[0] === 0x89 && value[1] === 0x50) {
    return { 'image/png': Buffer.from(value).toString('base64'), 'text/plain': `<PNG image, ${value.length} bytes>` };
  }
  const bundle: MimeBundle = { 'text/plain': inspect(value, { depth: 4, maxArrayLength: 100, breakLength: 100 }) };
  if (value !== null && typeof value === 'object') {
    try {
      bundle['application/json'] = JSON.parse(JSON.stringify(value, (_k, v) => jsonSafe(v)));
    } catch {
      // Not JSON-able (cycles, functions): text/plain is enough.
    }
  }
  return bundle;
}
