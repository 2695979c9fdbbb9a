// `studio lake …`: the workspace data lake from the command line.
import type { Command } from 'commander';
import path from 'node:path';
import { openWorkspace } from '../host/workspace';
import { Lake } from '../lake/lake';
import { writeSampleLake } from '../lake/sample';
import { fail, workspaceOption, wsDir } from './common';

export function registerLakeCommands(program: Command): void {
  const lake = program.command('lake').description('the workspace data lake (Parquet + DuckDB)');
  lake
    .command('sample')
    .description('write the deterministic sample dataset into the lake')
    .option('--symbols <n>', 'number of symbols', (v) => Number(v))
    .option('--days <n>', 'number of sessions of 1-minute bars', (v) => Number(v))
    .option('--seed <n>', 'random seed', (v) => Number(v))
    .addOption(workspaceOption())
    .action(async (o: { symbols?: number; days?: number; seed?: number; workspace?: string }) => {
      const ws = await openWorkspace(wsDir(o), { seed: false });
      const rows = await writeSampleLake(path.join(ws.dir, 'lake'), { symbols: o.symbols, days: o.days, seed: o.seed });
      process.stdout.write(`wrote ${rows} sample rows to ${path.join(ws.dir, 'lake')}\n`);
    });
  lake
    .command('sql')
    .description('run SQL on the lake (views: bars, trades, quotes, corporate_actions)')
    .argument('<sql>', 'the query')
    .option('--json', 'print an array of row objects')
    .option('--csv', 'print CSV')
    .addOption(workspaceOption())
    .action(async (sql: string, o: { json?: boolean; csv?: boolean; workspace?: string }) => {
      const ws = await openWorkspace(wsDir(o));
      const l = await Lake.open(path.join(ws.dir, 'lake'));
      try {
        const r = await l.query(sql);
        if (o.json) process.stdout.write(JSON.stringify(r.rows) + '\n');
        else if (o.csv) {
          const cell = (v: unknown) => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
          process.stdout.write([r.columns.map((c) => c.name).join(','), ...r.rows.map((row) => r.columns.map((c) => cell(row[c.name])).join(','))].join('\n') + '\n');
        } else console.table(r.rows);
      } catch (e) {
        fail((e as Error).message);
      } finally {
        l.close();
      }
    });

}
