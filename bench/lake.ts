// Lake benchmark: import a 10-million-row 1-minute CSV, read 10 million bars into typed arrays,
// and the peak RSS of a chunked read, each against DuckDB's own plain scan of the same file
// measured in the same run (a ratio, because these machines are noisy).
//   npx tsx bench/lake.ts [--rows 10000000]   (or STUDIO_BENCH_ROWS=1000000 for a quick check)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDb, sqlString } from '../engine/lake/db';
import { importFile } from '../engine/lake/importer';
import { Lake } from '../engine/lake/lake';
import { readManifest } from '../engine/lake/manifest';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, (performance.now() - t0) / 1000];
}

/**
 * Peak RSS of this process. Linux keeps getrusage's ru_maxrss across fork and exec, so a child
 * would report its parent's peak; VmHWM belongs to the address space exec created.
 */
function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

/**
 * Child mode: read every bar and report the process's peak RSS — in chunks, whole, or (the
 * baseline) DuckDB's own streaming reader fetching the same columns chunk by chunk.
 */
async function childRead(lakeDir: string, mode: 'chunks' | 'whole' | 'duckdb'): Promise<void> {
  const lake = await Lake.open(lakeDir);
  const before = process.memoryUsage().rss;
  let rows = 0;
  let sum = 0;
  const t0 = performance.now();
  if (mode === 'duckdb') {
    const r = await lake.connection.stream(`select ts, open, high, low, close, volume, vwap, trade_count from bars where symbol = 'BENCH' and timeframe = '1Min'`);
    for (;;) {
      const c = await r.fetchChunk();
      if (!c || c.rowCount === 0) break;
      rows += c.rowCount;
    }
    sum = rows;
  } else if (mode === 'chunks') {
    for await (const c of lake.streamBars({ symbols: ['BENCH'], timeframe: '1Min', chunkRows: 1 << 18 })) {
      rows += c.ts.length;
      for (let i = 0; i < c.close.length; i++) sum += c.close[i];
    }
  } else {
    const [b] = await lake.bars({ symbols: ['BENCH'], timeframe: '1Min' });
    rows = b.ts.length;
    for (let i = 0; i < b.close.length; i++) sum += b.close[i];
  }
  const seconds = (performance.now() - t0) / 1000;
  lake.close();
  process.stdout.write(JSON.stringify({ rows, sum, seconds, rssBefore: before, maxRss: peakRss() }) + '\n');
}

async function main(): Promise<void> {
  const rows = Number(arg('--rows', process.env.STUDIO_BENCH_ROWS ?? '10000000'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-bench-lake-'));
  try {
    const csv = path.join(dir, 'bench-1min.csv');
    const lakeDir = path.join(dir, 'lake');
    process.stdout.write(`lake bench: ${rows.toLocaleString()} 1-minute bars, ${os.cpus().length} cores, DuckDB threads 2\n`);
    // Continuous minutes in UTC (a futures-style 24h series) so no wall time repeats at a DST change.
    const [, genS] = await time(() =>
      withDb(async (c) => {
        await c.run(`copy (
          select strftime(t, '%Y-%m-%d') as "Date", strftime(t, '%H:%M:%S') as "Time",
                 round(o, 2) as "Open", round(o + 0.5, 2) as "High", round(o - 0.5, 2) as "Low", round(o + 0.1, 2) as "Close", (i % 997) * 10 as "Volume"
          from (select i, timestamp '1990-01-01' + to_minutes(i) as t, 100 + 20 * sin(i / 5000.0) + (hash(i) % 100) / 100.0 as o from range(${rows}) r(i))
        ) to ${sqlString(csv)} (header, delimiter ',')`);
      }),
    );
    process.stdout.write(`generated ${mb(fs.statSync(csv).size)} CSV in ${genS.toFixed(1)} s\n\n`);

    const [scanRows, scanS] = await time(() =>
      withDb(async (c) => {
        const r = await c.runAndReadAll(`select count(*), sum("Close") from read_csv(${sqlString(csv)}, header = true, auto_detect = false, columns = {'Date': 'DATE', 'Time': 'TIME', 'Open': 'DOUBLE', 'High': 'DOUBLE', 'Low': 'DOUBLE', 'Close': 'DOUBLE', 'Volume': 'DOUBLE'}, dateformat = '%Y-%m-%d')`);
        return Number(r.getRowsJS()[0][0]);
      }),
    );
    const [report, importS] = await time(() => importFile(lakeDir, csv, { symbol: 'BENCH', tz: 'UTC' }));
    if (report.rows !== rows || scanRows !== rows) throw new Error(`row counts differ: import ${report.rows}, scan ${scanRows}, want ${rows}`);
    process.stdout.write(
      `import CSV → lake (validate, dedupe, Parquet zstd): ${importS.toFixed(2)} s = ${(rows / importS / 1e6).toFixed(2)} M rows/s (target ≥ 2 M rows/s)\n` +
        `  DuckDB plain typed scan of the same CSV:        ${scanS.toFixed(2)} s = ${(rows / scanS / 1e6).toFixed(2)} M rows/s\n` +
        `  ratio import / plain scan: ${(importS / scanS).toFixed(2)}×\n\n`,
    );
    const again = await time(() => importFile(lakeDir, csv, { symbol: 'BENCH', tz: 'UTC' }));
    process.stdout.write(`re-import of the same file (same bytes and options: recognised by content hash, nothing read or written): ${again[1].toFixed(2)} s, unchanged=${again[0].unchanged}\n\n`);

    const parquet = path.join(lakeDir, readManifest(lakeDir).entries.find((e) => e.symbol === 'BENCH')!.file);
    process.stdout.write(`Parquet partition: ${mb(fs.statSync(parquet).size)}\n`);
    const lake = await Lake.open(lakeDir);
    try {
      // Warm the page cache and DuckDB once so both sides read from memory.
      await lake.query(`select count(*) from read_parquet(${sqlString(parquet)})`);
      const reads: number[] = [];
      const scans: number[] = [];
      const fetches: number[] = [];
      for (let k = 0; k < 3; k++) {
        const [b, readS] = await time(() => lake.bars({ symbols: ['BENCH'], timeframe: '1Min' }));
        if (b[0].ts.length !== rows) throw new Error(`read ${b[0].ts.length} bars, want ${rows}`);
        reads.push(readS);
        const [, s] = await time(() => lake.query(`select sum(epoch_ns(ts)::double), sum(open), sum(high), sum(low), sum(close), sum(volume) from read_parquet(${sqlString(parquet)})`));
        scans.push(s);
        // What a DuckDB user gets with the client's own reader: the same columns, fetched into JS.
        const [, f] = await time(async () => (await lake.connection.runAndReadAll(`select ts, open, high, low, close, volume, vwap, trade_count from read_parquet(${sqlString(parquet)})`)).currentRowCount);
        fetches.push(f);
      }
      const read = Math.min(...reads);
      const scan = Math.min(...scans);
      const fetch = Math.min(...fetches);
      process.stdout.write(
        `read ${rows.toLocaleString()} bars (ts + OHLCV + vwap + trade_count) into typed arrays: ${read.toFixed(2)} s (best of 3; target ≤ 1 s)\n` +
          `  DuckDB plain scan of the same Parquet (sum of ts + OHLCV):              ${scan.toFixed(2)} s\n` +
          `  DuckDB client fetching the same 8 columns (runAndReadAll):              ${fetch.toFixed(2)} s\n` +
          `  ratio read / plain scan: ${(read / scan).toFixed(2)}× (target ≤ 2×); read / client fetch: ${(read / fetch).toFixed(2)}×\n\n`,
      );
    } finally {
      lake.close();
    }

    const self = fileURLToPath(import.meta.url);
    let baseRss = 0;
    for (const mode of ['duckdb', 'chunks', 'whole'] as const) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--child-read', lakeDir, mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (child.status !== 0) throw new Error(`child read failed: ${child.stderr}`);
      const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { rows: number; seconds: number; rssBefore: number; maxRss: number };
      if (r.rows !== rows) throw new Error(`child ${mode} read ${r.rows} rows, want ${rows}`);
      if (mode === 'duckdb') baseRss = r.maxRss;
      process.stdout.write(
        mode === 'duckdb'
          ? `DuckDB streaming the same bars chunk by chunk (baseline) in a fresh process: ${r.seconds.toFixed(2)} s, peak RSS ${mb(r.maxRss)}\n`
          : mode === 'chunks'
          ? `chunked read (262,144-row chunks) in a fresh process: ${r.rows.toLocaleString()} bars in ${r.seconds.toFixed(2)} s, peak RSS ${mb(r.maxRss)} (after opening the lake: ${mb(r.rssBefore)}); ratio to the DuckDB baseline ${(r.maxRss / baseRss).toFixed(2)}×\n`
          : `whole read into one set of arrays, for comparison: peak RSS ${mb(r.maxRss)} (the arrays alone are ${mb(rows * 64)}); ratio to the DuckDB baseline ${(r.maxRss / baseRss).toFixed(2)}×\n`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const child = process.argv.indexOf('--child-read');
if (child >= 0) await childRead(process.argv[child + 1], process.argv[child + 2] as 'chunks' | 'whole' | 'duckdb');
else await main();
