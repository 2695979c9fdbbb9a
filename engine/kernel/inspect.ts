// Answers the host's questions about live kernel values without running a cell: the variable
// inspector (name, type, size, preview) and pages of big table outputs, whose rows stay in the
// kernel and are sent to the grid only as it scrolls.
import { inspect } from 'node:util';
import type { VariableInfo } from '../rpc/contract';

/** Big tables kept for paging; older ones are dropped (their outputs keep the inline rows). */
const KEPT_TABLES = 16;
const tables = new Map<string, unknown>();
let tableSeq = 0;

interface ArrowLike {
  schema: { fields: { name: string }[] };
  numRows: number;
  slice(begin: number, end: number): { toArray(): { toJSON(): Record<string, unknown> }[] };
}

function isArrow(v: unknown): v is ArrowLike {
  return typeof v === 'object' && v !== null && 'schema' in v && 'numRows' in v && typeof (v as ArrowLike).slice === 'function';
}

/** Keeps a table value so its rows can be paged later; returns the reference for its output. */
export function registerTable(value: unknown): string {
  const ref = `t${process.pid}-${++tableSeq}`;
  tables.set(ref, value);
  if (tables.size > KEPT_TABLES) tables.delete(tables.keys().next().value!);
  return ref;
}

function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  return v;
}

export function tablePage(ref: string, offset: number, limit: number): { rows: Record<string, unknown>[]; total: number } | null {
  const t = tables.get(ref);
  if (t === undefined) return null;
  let rows: Record<string, unknown>[];
  let total: number;
  if (isArrow(t)) {
    total = t.numRows;
    rows = t.slice(offset, Math.min(total, offset + limit)).toArray().map((r) => r.toJSON());
  } else if (Array.isArray(t)) {
    total = t.length;
    rows = t.slice(offset, offset + limit) as Record<string, unknown>[];
  } else return null;
  return { rows: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, jsonSafe(v)]))), total };
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'Array';
  if (isArrow(v)) return 'Arrow Table';
  if (typeof v === 'function') return /^class[\s{]/.test(Function.prototype.toString.call(v)) ? 'class' : 'function';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'Object';
  return typeof v;
}

function sizeOf(v: unknown): string {
  if (isArrow(v)) return `${v.numRows} × ${v.schema.fields.length}`;
  if (Array.isArray(v)) {
    const first = v[0];
    if (first && typeof first === 'object' && !Array.isArray(first)) return `${v.length} × ${Object.keys(first).length}`;
    return String(v.length);
  }
  if (typeof v === 'string') return `${v.length} chars`;
  if (ArrayBuffer.isView(v) && 'length' in v) return String((v as unknown as { length: number }).length);
  if (v instanceof Map || v instanceof Set) return String(v.size);
  if (typeof v === 'function') return `${(v as { length: number }).length} args`;
  if (v && typeof v === 'object') return `${Object.keys(v).length} keys`;
  return '';
}

function preview(v: unknown): string {
  if (isArrow(v)) return `columns: ${v.schema.fields.map((f) => f.name).join(', ')}`;
  if (typeof v === 'function') return Function.prototype.toString.call(v).split('\n')[0].slice(0, 120);
  const text = inspect(v, { depth: 1, maxArrayLength: 5, maxStringLength: 80, breakLength: Infinity, compact: true });
  return text.length > 160 ? text.slice(0, 159) + '…' : text;
}

/** Describes the named globals that exist; names the kernel no longer holds are left out. */
export function describeVariables(names: string[]): VariableInfo[] {
  const g = globalThis as Record<string, unknown>;
  const out: VariableInfo[] = [];
  for (const name of [...new Set(names)].sort()) {
    if (!(name in g)) continue;
    let v: unknown;
    try {
      v = g[name];
    } catch {
      continue;
    }
    try {
      out.push({ name, type: typeName(v), size: sizeOf(v), preview: preview(v) });
    } catch (e) {
      out.push({ name, type: typeName(v), size: '', preview: `(cannot preview: ${(e as Error).message})` });
    }
  }
  return out;
}
