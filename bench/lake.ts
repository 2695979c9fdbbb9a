// Lake benchmark: import a 10-million-row 1-minute CSV, read 10 million bars into typed arrays,
// and the peak RSS of a chunked read, each against DuckDB's own plain scan of the same file
// measured in the same run (a ratio, because these machines are noisy).
//   npx tsx bench/lake.ts [--rows 10000000]
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

/** Child mode: stream every bar in chunks and report the process's peak RSS. */
async function childRead(lakeDir: string, mode: 'chunks' | 'whole'): Promise<void> {
  const lake = await Lake.open(lakeDir);
  const before = process.memoryUsage().rss;
  let rows = 0;
  let sum = 0;
  const t0 = performance.now();
  if (mode === 'chunks') {
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
  process.stdout.write(JSON.stringify({ rows, sum, seconds, rssBefore: before, maxRss: process.resourceUsage().maxRSS * 1024 }) + '\n');
}

async function main(): Promise<void> {
  const rows = Number(arg('--rows', '10000000'));
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
    process.stdout.write(`re-import of the same file (nothing changes, nothing written): ${again[1].toFixed(2)} s, unchanged=${again[0].unchanged}\n\n`);

    const parquet = path.join(lakeDir, readManifest(lakeDir).entries.find((e) => e.symbol === 'BENCH')!.file);
    process.stdout.write(`Parquet partition: ${mb(fs.statSync(parquet).size)}\n`);
    const lake = await Lake.open(lakeDir);
    try {
      // Warm the page cache and DuckDB once so both sides read from memory.
      await lake.query(`select count(*) from read_parquet(${sqlString(parquet)})`);
      const reads: number[] = [];
      const scans: number[] = [];
      for (let k = 0; k < 3; k++) {
        const [b, readS] = await time(() => lake.bars({ symbols: ['BENCH'], timeframe: '1Min' }));
        if (b[0].ts.length !== rows) throw new Error(`read ${b[0].ts.length} bars, want ${rows}`);
        reads.push(readS);
        const [, s] = await time(() => lake.query(`select sum(epoch_ns(ts)::double), sum(open), sum(high), sum(low), sum(close), sum(volume) from read_parquet(${sqlString(parquet)})`));
        scans.push(s);
      }
      const read = Math.min(...reads);
      const scan = Math.min(...scans);
      process.stdout.write(
        `read ${rows.toLocaleString()} bars (ts + OHLCV + vwap + trade_count) into typed arrays: ${read.toFixed(2)} s (best of 3; target ≤ 1 s)\n` +
          `  DuckDB plain scan of the same Parquet (sum of ts + OHLCV):              ${scan.toFixed(2)} s\n` +
          `  ratio read / plain scan: ${(read / scan).toFixed(2)}× (target ≤ 2×)\n\n`,
      );
    } finally {
      lake.close();
    }

    const self = fileURLToPath(import.meta.url);
    for (const mode of ['chunks', 'whole'] as const) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--child-read', lakeDir, mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (child.status !== 0) throw new Error(`child read failed: ${child.stderr}`);
      const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { rows: number; seconds: number; rssBefore: number; maxRss: number };
      process.stdout.write(
        mode === 'chunks'
          ? `chunked read (262,144-row chunks) in a fresh process: ${r.rows.toLocaleString()} bars in ${r.seconds.toFixed(2)} s, peak RSS ${mb(r.maxRss)} (after opening the lake: ${mb(r.rssBefore)})\n`
          : `whole read into one set of arrays, for comparison: peak RSS ${mb(r.maxRss)} (the arrays alone are ${mb(rows * 64)})\n`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const child = process.argv.indexOf('--child-read');
if (child >= 0) await childRead(process.argv[child + 1], process.argv[child + 2] as 'chunks' | 'whole');
else await main();
