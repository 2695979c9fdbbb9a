// Finished sweeps kept in the workspace (runs/sweeps/<id>.json), to reopen later as QuantConnect
// keeps its optimisations: what was asked and the ranked result, written atomically once the sweep
// is done, so a sweep that fails or is killed leaves nothing half-written. A file that cannot be
// read is named in the listing, never rewritten.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic';
import { ID_RE, newRunId, runsDir } from './runs';

/** The ranked result as backtest.sweep returns it (see the contract's SweepResult). */
export interface SweepResultRecord {
  combinations: number;
  completed: number;
  results: { params: Record<string, unknown>; metrics: Record<string, number | null> | null; error: string | null }[];
  [key: string]: unknown;
}

export interface StoredSweep {
  v: 1;
  id: string;
  createdAt: string;
  strategy: string;
  symbols: string[];
  timeframe: string;
  objective: string;
  /** The parameters the grid varies. */
  swept: string[];
  request: Record<string, unknown>;
  result: SweepResultRecord;
}

export interface SweepListing {
  id: string;
  createdAt: string;
  strategy: string;
  /** How the sweep named the strategy (an example's name or a file in strategies/), as the Studio lists it. */
  ref: string;
  symbols: string[];
  timeframe: string;
  objective: string;
  swept: string[];
  combinations: number;
  completed: number;
  best: { params: Record<string, unknown>; value: number | null } | null;
}

export function sweepsDir(workspaceDir: string): string {
  return path.join(runsDir(workspaceDir), 'sweeps');
}

/** The parameter names of `NAME=…` grid specs. */
export function sweptNames(grid: readonly string[]): string[] {
  return grid.map((g) => g.slice(0, Math.max(0, g.indexOf('='))));
}

export function saveSweep(workspaceDir: string, sweep: Omit<StoredSweep, 'v' | 'id' | 'createdAt'>): string {
  const now = new Date();
  const id = newRunId(sweep.strategy, now, 'sweep');
  const record: StoredSweep = { v: 1, id, createdAt: now.toISOString(), ...sweep };
  writeFileAtomic(path.join(sweepsDir(workspaceDir), `${id}.json`), JSON.stringify(record) + '\n');
  return id;
}

function problemOf(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'expected an object';
  const s = x as Partial<StoredSweep>;
  if (s.v !== 1) return `v: expected 1, got ${JSON.stringify(s.v)}`;
  for (const k of ['id', 'createdAt', 'strategy', 'timeframe', 'objective'] as const) if (typeof s[k] !== 'string') return `${k}: expected a string`;
  if (!Array.isArray(s.symbols) || !Array.isArray(s.swept)) return 'symbols and swept: expected arrays';
  if (typeof s.result !== 'object' || s.result === null || !Array.isArray(s.result.results)) return 'result.results: expected an array';
  return null;
}

function readFile(file: string): { sweep: StoredSweep } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { problem: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `not valid JSON (${(e as Error).message})` };
  }
  const problem = problemOf(parsed);
  return problem === null ? { sweep: parsed as StoredSweep } : { problem };
}

/** Stored sweeps, newest first, and the files that could not be read (by path and reason). */
export function listSweeps(workspaceDir: string): { sweeps: SweepListing[]; unreadable: string[] } {
  const dir = sweepsDir(workspaceDir);
  const sweeps: SweepListing[] = [];
  const unreadable: string[] = [];
  if (!fs.existsSync(dir)) return { sweeps, unreadable };
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    const got = readFile(path.join(dir, name));
    if ('problem' in got) {
      unreadable.push(`${path.join('runs', 'sweeps', name)}: ${got.problem}`);
      continue;
    }
    const s = got.sweep;
    const top = s.result.results[0];
    const value = top?.metrics?.[s.objective];
    sweeps.push({
      id: s.id,
      createdAt: s.createdAt,
      strategy: s.strategy,
      ref: typeof s.request.strategy === 'string' ? s.request.strategy : s.strategy,
      symbols: s.symbols,
      timeframe: s.timeframe,
      objective: s.objective,
      swept: s.swept,
      combinations: s.result.combinations,
      completed: s.result.completed,
      best: top === undefined ? null : { params: top.params, value: typeof value === 'number' ? value : null },
    });
  }
  sweeps.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  return { sweeps, unreadable };
}

/** One stored sweep; null for an unknown id. A file that cannot be read is an error naming it. */
export function readSweep(workspaceDir: string, id: string): StoredSweep | null {
  if (!ID_RE.test(id)) return null;
  const got = readFile(path.join(sweepsDir(workspaceDir), `${id}.json`));
  if ('sweep' in got) return got.sweep;
  if (got.problem === 'missing') return null;
  throw new Error(`${path.join('runs', 'sweeps', `${id}.json`)}: ${got.problem}`);
}
