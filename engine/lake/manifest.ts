// The lake's catalog: which Parquet files make up each dataset partition, with their schema, row
// count, time range, source and content hash. The manifest is the commit point of every write:
// a file not listed here is not part of the lake, so a crash before the manifest is replaced
// leaves the previous state readable.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic';

export const DATASETS = ['bars', 'trades', 'quotes', 'corporate_actions'] as const;
export type Dataset = (typeof DATASETS)[number];

export interface ManifestEntry {
  dataset: Dataset;
  /** Path of the Parquet file relative to the lake folder, with forward slashes. */
  file: string;
  symbol: string | null;
  timeframe: string | null;
  rows: number;
  /** ISO timestamps of the first and last row (null for an empty or undated dataset). */
  from: string | null;
  to: string | null;
  source: string;
  importedAt: string;
  sha256: string;
  /** File size in bytes; absent in manifests written before integrity checks existed. */
  bytes?: number;
  schema: { name: string; type: string }[];
  /** The import that wrote this file: lets a re-import of the same bytes skip reading them. */
  writtenBy?: ImportStamp;
}

export interface ImportStamp {
  /** sha256 of the source file's bytes and the import's options. */
  fingerprint: string;
  rowsRead: number;
  dividends: number;
  layout: string;
  /** Range of the source file's rows (the partition's may be wider). */
  from: string | null;
  to: string | null;
  notes: string[];
}

export interface Manifest {
  version: 1;
  entries: ManifestEntry[];
}

export function manifestPath(lakeDir: string): string {
  return path.join(lakeDir, 'manifest.json');
}

export function readManifest(lakeDir: string): Manifest {
  const file = manifestPath(lakeDir);
  if (!fs.existsSync(file)) return { version: 1, entries: [] };
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  for (const e of m.entries) e.file = e.file.split(path.sep).join('/');
  return m;
}

export function writeManifest(lakeDir: string, m: Manifest): void {
  m.entries.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  writeFileAtomic(manifestPath(lakeDir), JSON.stringify(m, null, 1) + '\n');
}

export function sha256File(file: string): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/**
 * What is wrong with an entry's file, or null. The cheap check (exists, size) runs on every
 * view refresh; the hash check (`deep`) reads the whole file and runs for `studio lake list`.
 */
export function entryProblem(lakeDir: string, e: ManifestEntry, deep = false): string | null {
  const file = path.join(lakeDir, e.file);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return `${e.file}: file missing (deleted outside the studio?)`;
  }
  if (e.bytes !== undefined && size !== e.bytes) {
    return `${e.file}: size ${size} bytes, the manifest recorded ${e.bytes} (truncated or edited outside the studio)`;
  }
  if (deep && sha256File(file) !== e.sha256) return `${e.file}: content hash differs from the manifest (edited outside the studio)`;
  return null;
}

export interface CheckedEntry extends ManifestEntry {
  problem: string | null;
}

export function checkManifest(lakeDir: string, deep = false): CheckedEntry[] {
  return readManifest(lakeDir).entries.map((e) => ({ ...e, problem: entryProblem(lakeDir, e, deep) }));
}
