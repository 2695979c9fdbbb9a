// %%sql cells: the header names the binding, `${…}` become bound parameters (never spliced into
// the SQL), and the result is an Arrow table with real column types.
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseSqlCell, placeholders, sqlCellToTypeScript, SqlCellError } from './sql-cell';
import { queryArrow } from './sql-query';

describe('%%sql cells', () => {
  it('splits the body around interpolations, braces and strings inside them included', () => {
    const cell = parseSqlCell("%%sql recent\nselect * from bars where symbol = ${pick({ s: '}' }).s} and ts > ${start}");
    expect(cell).toEqual({ name: 'recent', parts: ['select * from bars where symbol = ', ' and ts > ', ''], exprs: ["pick({ s: '}' }).s", 'start'] });
    expect(placeholders(cell.parts)).toBe('select * from bars where symbol = $1 and ts > $2');
  });

  it('becomes TypeScript line for line, so errors keep the cell’s line numbers', () => {
    const src = '%%sql t\nselect `x`, \'a\\b\'\nwhere v = ${n}';
    const ts = sqlCellToTypeScript(src);
    expect(ts.split('\n')).toHaveLength(src.split('\n').length + 1);
    expect(ts).toBe('const t = await __studio_sql_cell`\nselect \\`x\\`, \'a\\\\b\'\nwhere v = ${n}`;\nt');
    expect(sqlCellToTypeScript('%%sql\nselect 1')).toBe('await __studio_sql_cell`\nselect 1`');
  });

  it('rejects a bad header, an empty body and an unterminated interpolation', () => {
    expect(() => parseSqlCell('%%sql 9lives\nselect 1')).toThrow(SqlCellError);
    expect(() => parseSqlCell('%%sql t\n   ')).toThrow(/empty/);
    expect(() => parseSqlCell('%%sql t\nselect ${a')).toThrow(/unterminated/);
  });

  it('returns an Arrow table with typed columns, and binds an injection attempt as a plain value', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      await conn.run("create table bars as select 'SPY' as symbol, 10::bigint as volume, 1.5 as close, timestamptz '2024-01-02 14:30:00+00' as ts, date '2024-01-02' as day");
      const hostile = "SPY' or 1=1 --";
      const none = await queryArrow(conn, 'select * from bars where symbol = $1', [hostile]);
      expect(none.numRows).toBe(0);
      const t = await queryArrow(conn, 'select * from bars where symbol = $1', ['SPY']);
      expect(t.numRows).toBe(1);
      expect(t.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
        'symbol:Utf8', 'volume:Int64', 'close:Float64', 'ts:Timestamp<MILLISECOND, UTC>', 'day:Date32<DAY>',
      ]);
      expect(t.getChild('volume')?.get(0)).toBe(10n);
      expect(new Date(t.getChild('ts')?.get(0) as number).toISOString()).toBe('2024-01-02T14:30:00.000Z');
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
