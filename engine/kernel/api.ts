// The engine API a notebook sees as globals and as `import { … } from 'studio'`.
// The lake is opened on first use so a kernel that never queries starts fast.
import { Lake, type QueryResult } from '../lake/lake';
import type { Plain } from '../lake/values';
import type { Table } from 'apache-arrow';
import { bindable, placeholders, queryArrow } from './sql-cell';

export type Rows = Record<string, Plain>[] & { columns: QueryResult['columns'] };

export interface StudioApi {
  /** Runs SQL on the lake. As a tag, interpolated values become bound parameters: sql`… where symbol = ${s}`. */
  sql(query: string | TemplateStringsArray, ...params: unknown[]): Promise<Rows>;
  /** Like `sql`, but the result is an Apache Arrow table (what a `%%sql NAME` cell binds to NAME). */
  sqlTable(query: string | TemplateStringsArray, ...params: unknown[]): Promise<Table>;
  /** The workspace's lake (DuckDB over its Parquet files). */
  lake(): Promise<Lake>;
  workspaceDir: string;
}

export function createStudioApi(workspaceDir: string, lakeDir: string): { api: StudioApi; close(): void } {
  let lakePromise: Promise<Lake> | null = null;
  const lake = () => (lakePromise ??= Lake.open(lakeDir));
  const args = (query: string | TemplateStringsArray, params: unknown[]): [string, unknown[]] =>
    typeof query === 'string'
      ? [query, Array.isArray(params[0]) ? (params[0] as unknown[]) : params]
      : [placeholders(query), params];
  const sql = async (query: string | TemplateStringsArray, ...params: unknown[]): Promise<Rows> => {
    const [text, values] = args(query, params);
    const res = await (await lake()).query(text, values.map(bindable));
    return Object.assign(res.rows, { columns: res.columns });
  };
  const sqlTable = async (query: string | TemplateStringsArray, ...params: unknown[]): Promise<Table> => {
    const [text, values] = args(query, params);
    return queryArrow((await lake()).connection, text, values);
  };
  return {
    api: { sql, sqlTable, lake, workspaceDir },
    close() {
      void lakePromise?.then((l) => l.close());
    },
  };
}
