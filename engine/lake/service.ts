// The lake's side of the host contract (`lake.*` calls): the host's handler table delegates here,
// so the UI, notebooks and the CLI all reach the same lake code.
import path from 'node:path';
import { TIMEFRAMES, type Timeframe } from '../core/data/bars';
import { importFile, type ImportOptions, type ImportReport } from './importer';
import type { Lake } from './lake';
import { FIELDS, type Field, type Format } from './layouts';
import { checkManifest } from './manifest';
import type { Adjustment } from './read';
import { ResultStore, type OpenedResult } from './results';

export interface LakeServiceDeps {
  workspaceDir(): string;
  lake(): Promise<Lake>;
  /** Resolves when a new workspace's sample data is written. */
  ready(): Promise<void>;
}

const stores = new WeakMap<Lake, ResultStore>();

export function lakeService(deps: LakeServiceDeps) {
  const lakeDir = () => path.join(deps.workspaceDir(), 'lake');
  const ready = async () => {
    await deps.ready().catch(() => {});
    return deps.lake();
  };
  const results = async () => {
    const l = await ready();
    let s = stores.get(l);
    if (!s) stores.set(l, (s = new ResultStore(l)));
    return s;
  };
  const nullable = (a: Float64Array) => Array.from(a, (x) => (Number.isFinite(x) ? x : null));

  return {
    async datasets(verify = false) {
      await deps.ready().catch(() => {});
      // Another process (the CLI, a kernel) may have written since: show what is on disk now.
      await (await deps.lake()).refreshViews();
      return checkManifest(lakeDir(), verify).map((e) => ({
        dataset: e.dataset, symbol: e.symbol, timeframe: e.timeframe, rows: e.rows, from: e.from, to: e.to, file: e.file, problem: e.problem,
        bytes: e.bytes ?? null, source: e.source, importedAt: e.importedAt, schema: e.schema,
      }));
    },
    async openResult(sql: string): Promise<OpenedResult> {
      return (await results()).open(sql);
    },
    async fetchRows(id: string, offset: number, limit: number) {
      return (await results()).fetch(id, offset, limit);
    },
    async closeResult(id: string) {
      await (await results()).close(id);
      return { ok: true as const };
    },
    async exportResult(id: string, format: 'csv' | 'parquet') {
      return (await results()).export(id, path.join(deps.workspaceDir(), 'exports'), format);
    },
    async bars(a: { symbol: string; timeframe: Timeframe; from?: string; to?: string; adjustment: Adjustment; resampleFrom?: Timeframe; maxBars: number }) {
      const l = await ready();
      const [b] = await l.bars({ symbols: [a.symbol], timeframe: a.timeframe, from: a.from || undefined, to: a.to || undefined, adjustment: a.adjustment, resampleFrom: a.resampleFrom });
      const start = Math.max(0, b.ts.length - a.maxBars);
      const cut = <T extends Float64Array | BigInt64Array>(x: T) => x.subarray(start) as T;
      return {
        symbol: a.symbol, timeframe: a.timeframe,
        ts: Array.from(cut(b.ts), (t) => new Date(Number(t / 1_000_000n)).toISOString()),
        open: nullable(cut(b.open)), high: nullable(cut(b.high)), low: nullable(cut(b.low)), close: nullable(cut(b.close)), volume: nullable(cut(b.volume)),
        truncated: start > 0,
      };
    },
    async import(a: { file: string; symbol: string; timeframe?: string; format?: string; tz?: string; map?: Record<string, string> }): Promise<ImportReport> {
      await deps.ready().catch(() => {});
      const map: Record<string, Field> = {};
      for (const [k, v] of Object.entries(a.map ?? {})) {
        if (!FIELDS.includes(v as Field)) throw new Error(`map ${k}=${v}: expected a field, one of ${FIELDS.join(', ')}`);
        map[k] = v as Field;
      }
      const opts: ImportOptions = { symbol: a.symbol, timeframe: a.timeframe && TIMEFRAMES.includes(a.timeframe as Timeframe) ? (a.timeframe as Timeframe) : undefined, format: a.format as Format | undefined, tz: a.tz, map };
      const r = await importFile(lakeDir(), path.resolve(deps.workspaceDir(), a.file), opts);
      await (await deps.lake()).refreshViews();
      return r;
    },
  };
}
