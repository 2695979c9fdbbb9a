// The engine API a notebook sees as globals and as `import { … } from 'studio'`.
// The lake is opened on first use so a kernel that never queries starts fast.
import { Lake, type QueryResult } from '../lake/lake';
import type { Plain } from '../lake/values';

export type Rows = Record<string, Plain>[] & { columns: QueryResult['columns'] };

export interface StudioApi {
  /** Runs SQL on the lake. As a tag, interpolated values become bound parameters: sql`… where symbol = ${s}`. */
  sql(query: string | TemplateStringsArray, ...params: unknown[]): Promise<Rows>;
  /** The workspace's lake (DuckDB over its Parquet files). */
  lake(): Promise<Lake>;
  workspaceDir: string;
}

export function createStudioApi(workspaceDir: string, lakeDir: string): { api: StudioApi; close(): void } {
  let lakePromise: Promise<Lake> | null = null;
  const lake = () => (lakePromise ??= Lake.open(lakeDir));
  const sql = async (query: string | TemplateStringsArray, ...params: unknown[]): Promise<Rows> => {
    let text: string;
    let values: unknown[];
    if (typeof query === 'string') {
      text = query;
      values = Array.isArray(params[0]) ? (params[0] as unknown[]) : params;
    } else {
      text = query.reduce((acc, part, i) => acc + (i > 0 ? `$${i}` : '') + part, '');
      values = params;
    }
    const res = await (await lake()).query(text, values);
    return Object.assign(res.rows, { columns: res.columns });
  };
  return {
    api: { sql, lake, workspaceDir },
    close() {
      void lakePromise?.then((l) => l.close());
    },
  };
}
