// `studio lake …`: the workspace data lake from the command line.
import type { Command } from 'commander';
import path from 'node:path';
import { openWorkspace } from '../host/workspace';
import { Lake } from '../lake/lake';
import { writeSampleLake } from '../lake/sample';
import { importFile } from '../lake/importer';
import { FORMATS, ImportError, parseMap, type Format } from '../lake/layouts';
import { checkManifest } from '../lake/manifest';
import { TIMEFRAMES, type Timeframe } from '../core/data/bars';
import { fail, workspaceOption, wsDir } from './common';
import { registerLakeFetch } from './fetch';

const csvCell = (v: unknown) => (v === null || v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));

export function registerLakeCommands(program: Command): void {
  const lake = program.command('lake').description('the workspace data lake (Parquet + DuckDB)');
  registerLakeFetch(lake);
  lake
    .command('sample')
    .description('write the deterministic sample dataset into the lake')
    .option('--symbols <n>', 'number of symbols', (v) => Number(v))
    .option('--days <n>', 'number of sessions of 1-minute bars', (v) => Number(v))
    .option('--seed <n>', 'random seed', (v) => Number(v))
    .addOption(workspaceOption())
    .action(async (o: { symbols?: number; days?: number; seed?: number; workspace?: string }) => {
      const ws = await openWorkspace(wsDir(o), { seed: false });
      await ws.lakeReady;
      const rows = await writeSampleLake(path.join(ws.dir, 'lake'), { symbols: o.symbols, days: o.days, seed: o.seed });
      process.stdout.write(`wrote ${rows} sample rows to ${path.join(ws.dir, 'lake')}\n`);
    });
  lake
    .command('import')
    .description('import a CSV, Parquet or Arrow IPC file of bars, quotes or trades')
    .argument('<file>', 'the file to import')
    .requiredOption('--symbol <sym>', 'symbol the rows belong to')
    .option('--timeframe <tf>', `bar length (${TIMEFRAMES.join('|')}; default: inferred)`)
    .option('--format <fmt>', `layout (${FORMATS.join('|')})`, 'auto')
    .option('--tz <zone>', 'time zone of timestamps written without an offset', 'America/New_York')
    .option('--map <col=field,…>', 'explicit column mapping, e.g. "Timestamp=datetime,Last=close"')
    .option('--json', 'print the import report as JSON')
    .addOption(workspaceOption())
    .action(async (file: string, o: { symbol: string; timeframe?: string; format: string; tz: string; map?: string; json?: boolean; workspace?: string }) => {
      if (o.timeframe && !TIMEFRAMES.includes(o.timeframe as Timeframe)) fail(`--timeframe "${o.timeframe}": expected one of ${TIMEFRAMES.join(', ')}`, 2);
      if (!FORMATS.includes(o.format as Format)) fail(`--format "${o.format}": expected one of ${FORMATS.join(', ')}`, 2);
      let map;
      try {
        map = o.map ? parseMap(o.map) : undefined;
      } catch (e) {
        fail((e as Error).message, 2);
      }
      const ws = await openWorkspace(wsDir(o));
      // A new workspace writes its sample data first; the import then merges after it.
      await ws.lakeReady;
      try {
        const r = await importFile(path.join(ws.dir, 'lake'), file, { symbol: o.symbol, timeframe: o.timeframe as Timeframe | undefined, format: o.format as Format, tz: o.tz, map });
        if (o.json) process.stdout.write(JSON.stringify(r, null, 1) + '\n');
        else {
          const what = r.dataset === 'bars' ? `${r.timeframe} bars` : r.dataset;
          process.stdout.write(
            `${r.symbol}: read ${r.rowsRead} rows (${r.layout} layout) from ${r.file}\n` +
              (r.unchanged ? `  already in the lake: nothing changed (${r.rows} ${what})\n` : `  ${r.added} new ${what}; ${r.rows} stored, ${r.from} → ${r.to}\n`) +
              r.notes.map((n) => `  note: ${n}\n`).join(''),
          );
        }
      } catch (e) {
        fail((e as Error).message, e instanceof ImportError ? 2 : 1);
      }
    });
  lake
    .command('list')
    .description('list the datasets in the manifest and check their files (size and hash)')
    .option('--json', 'print the entries as JSON')
    .addOption(workspaceOption())
    .action(async (o: { json?: boolean; workspace?: string }) => {
      const ws = await openWorkspace(wsDir(o));
      await ws.lakeReady;
      const entries = checkManifest(path.join(ws.dir, 'lake'), true);
      if (o.json) process.stdout.write(JSON.stringify(entries.map(({ schema: _s, ...e }) => e), null, 1) + '\n');
      else {
        const rows = entries.map((e) => [e.dataset, e.timeframe ?? '', e.symbol ?? '', String(e.rows), e.from?.slice(0, 10) ?? '', e.to?.slice(0, 10) ?? '', e.problem ? 'PROBLEM' : 'ok']);
        const head = ['dataset', 'timeframe', 'symbol', 'rows', 'from', 'to', 'check'];
        const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const line = (r: string[]) => r.map((c, i) => (i === 3 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
        process.stdout.write([line(head), ...rows.map(line)].join('\n') + '\n');
        if (!entries.length) process.stdout.write('(the lake is empty)\n');
      }
      const bad = entries.filter((e) => e.problem);
      for (const e of bad) process.stderr.write(`studio: problem: ${e.problem}\n`);
      if (bad.length) {
        process.stderr.write(`studio: ${bad.length} dataset file(s) damaged or missing; they are left out of queries until re-imported\n`);
        process.exitCode = 1;
      }
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
      await ws.lakeReady;
      const l = await Lake.open(path.join(ws.dir, 'lake'));
      try {
        for (const p of l.problems()) process.stderr.write(`studio: warning: ${p.problem} (left out of the views)\n`);
        const r = await l.query(sql);
        if (o.json) process.stdout.write(JSON.stringify(r.rows) + '\n');
        else if (o.csv) process.stdout.write([r.columns.map((c) => csvCell(c.name)).join(','), ...r.rows.map((row) => r.columns.map((c) => csvCell(row[c.name])).join(','))].join('\n') + '\n');
        else console.table(r.rows);
      } catch (e) {
        fail((e as Error).message);
      } finally {
        l.close();
      }
    });
}
