// The engine API as a notebook cell sees it, in TypeScript declarations: the kernel's language
// service checks cells against it, and an editor can load it as an extra lib. Keep it in step
// with api.ts and runtime.ts (a test checks that every API member is declared here).

export const KERNEL_GLOBALS_DTS = `
type __ArrowTableBase<T extends import('apache-arrow').TypeMap> = import('apache-arrow').Table<T>;
/** An Apache Arrow table (apache-arrow's Table): what %%sql NAME binds and sqlTable returns. */
interface ArrowTable<T extends import('apache-arrow').TypeMap = any> extends __ArrowTableBase<T> {}
/** A value SQL can bind: interpolations in sql\`…\` and %%sql cells become these parameters. */
type SqlParam = string | number | boolean | bigint | null | undefined | Date;
/** A JSON-friendly cell value: numbers, ISO strings for time, strings for the rest. */
type SqlPlain = null | boolean | number | string | SqlPlain[] | { [k: string]: SqlPlain };
/** Query rows: one plain object per row, plus the column names and DuckDB types. */
interface Rows extends Array<Record<string, SqlPlain>> {
  columns: { name: string; type: string }[];
}
/** The workspace's lake: DuckDB over its Parquet files (views bars, trades, quotes, corporate_actions). */
interface StudioLake {
  readonly dir: string;
  readonly connection: import('@duckdb/node-api').DuckDBConnection;
  query(sql: string, params?: unknown[]): Promise<{ columns: { name: string; type: string }[]; rows: Record<string, SqlPlain>[] }>;
  /** Re-points the views at the files now on disk. */
  refreshViews(): Promise<void>;
}
interface DisplayOptions {
  /** A display id: display(value, { id }) again with update: true replaces that output in place. */
  id?: string;
  update?: boolean;
}
interface Display {
  /** Shows a value as a Jupyter mime bundle: Plotly figures ({data, layout}), Arrow tables and row arrays as tables, PNG bytes, or text. */
  (value: unknown, options?: DisplayOptions): void;
  html(html: string): void;
  markdown(markdown: string): void;
  svg(svg: string): void;
  json(value: unknown): void;
}
/**
 * Runs SQL on the lake with DuckDB. As a tag, interpolated values become bound parameters:
 * sql\`select * from bars where symbol = \${symbol}\`.
 */
declare function sql(query: TemplateStringsArray, ...params: SqlParam[]): Promise<Rows>;
declare function sql(query: string, params?: SqlParam[]): Promise<Rows>;
/** Like sql, but the result is an Apache Arrow table (what a %%sql NAME cell binds to NAME). */
declare function sqlTable(query: TemplateStringsArray, ...params: SqlParam[]): Promise<ArrowTable>;
declare function sqlTable(query: string, params?: SqlParam[]): Promise<ArrowTable>;
/** Opens (once) and returns the workspace's lake. */
declare function lake(): Promise<StudioLake>;
/** The workspace folder this kernel works in. */
declare var workspaceDir: string;
declare var display: Display;
/** Aborted when the running cell is interrupted: pass it to fetch() and other cancellable work. */
declare var signal: AbortSignal;
/** Reads a line from the notebook's user (Jupyter's input_request), when the front end allows stdin. */
declare function input(prompt?: string, options?: { password?: boolean }): Promise<string>;
declare function __studio_sql_cell(query: TemplateStringsArray, ...params: SqlParam[]): Promise<ArrowTable>;
declare module 'studio' {
  export const sql: typeof globalThis.sql;
  export const sqlTable: typeof globalThis.sqlTable;
  export const lake: typeof globalThis.lake;
  export const workspaceDir: string;
}
declare module '@strategy-studio/engine' {
  export * from 'studio';
}
`;

/** API members a cell can use; api.ts's object must not grow members that are missing above. */
export const DECLARED_API_MEMBERS = ['sql', 'sqlTable', 'lake', 'workspaceDir'] as const;
