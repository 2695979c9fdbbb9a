// The workspace's log of research trials (runs/trials.jsonl): every saved backtest and every sweep
// combination, with its Sharpe ratio, per research question (strategy, symbols, timeframe). A sweep
// deflates its best Sharpe ratio for all of them, not only its own combinations (Bailey & López de
// Prado: the count of trials must be honest, and trying a hundred combinations one backtest at a
// time is a hundred trials), and the Studio shows how much a question has been tried.
//
// One JSON object per line, appended in one write; a damaged line is reported (file and line) and
// left out of the count, never rewritten.
import fs from 'node:fs';
import path from 'node:path';
import type { Metrics } from '../core/metrics/metrics';
import { resolveParams } from '../core/strategy/define';
import type { StrategyDefinition } from '../core/strategy/types';
import { type SweepDeflation, deflateSweep } from './sweep';
import { runsDir } from './runs';

export interface TrialQuestion {
  strategy: string;
  symbols: readonly string[];
  timeframe: string;
}

/** One combination tried: what tells it apart, and its annualised Sharpe ratio. */
export interface Trial {
  params: Record<string, unknown>;
  from: string | null;
  to: string | null;
  sharpe: number | null;
  periodsPerYear: number | null;
}

interface TrialLine extends TrialQuestion {
  v: 1;
  at: string;
  kind: 'backtest' | 'sweep';
  trials: Trial[];
}

export interface TrialHistory {
  /** Saved backtests and sweeps of the question so far. */
  backtests: number;
  sweeps: number;
  /** Distinct combinations (parameters and date range) tried, and their per-step Sharpe ratios where known. */
  ids: Set<string>;
  perStepSharpe: Map<string, number>;
  /** When the question was first tried. */
  since: string | null;
  /** Lines of the log that could not be read, by line number: left out of the counts. */
  problems: string[];
}

export function trialsFile(workspaceDir: string): string {
  return path.join(runsDir(workspaceDir), 'trials.jsonl');
}

const keyOf = (q: TrialQuestion) => JSON.stringify([q.strategy, [...q.symbols].sort(), q.timeframe]);

/** What makes two trials the same trial: the parameters (in key order) and the date range. */
export function trialIdentity(params: Record<string, unknown>, from: string | null, to: string | null): string {
  return JSON.stringify([Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1))), from, to]);
}

export function trialOf(params: Record<string, unknown>, from: string | undefined, to: string | undefined, metrics: Metrics | null): Trial {
  const sharpe = metrics !== null && Number.isFinite(metrics.sharpe) ? metrics.sharpe : null;
  const ppy = metrics !== null && metrics.periodsPerYear > 0 ? metrics.periodsPerYear : null;
  return { params, from: from ?? null, to: to ?? null, sharpe, periodsPerYear: ppy };
}

/** Appends one backtest's or one sweep's trials (one line, one write). */
export function logTrials(workspaceDir: string, question: TrialQuestion, kind: 'backtest' | 'sweep', trials: readonly Trial[]): void {
  if (trials.length === 0) return;
  const line: TrialLine = { v: 1, at: new Date().toISOString(), kind, strategy: question.strategy, symbols: [...question.symbols].sort(), timeframe: question.timeframe, trials: [...trials] };
  fs.mkdirSync(runsDir(workspaceDir), { recursive: true });
  const file = trialsFile(workspaceDir);
  // After a line cut short (a crash mid-write), start a new line rather than extend the broken one.
  fs.appendFileSync(file, (endsMidLine(file) ? '\n' : '') + JSON.stringify(line) + '\n');
}

function endsMidLine(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}

function lineProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'expected an object';
  const l = x as Partial<TrialLine>;
  if (l.v !== 1) return `v: expected 1, got ${JSON.stringify(l.v)}`;
  if (l.kind !== 'backtest' && l.kind !== 'sweep') return `kind: expected backtest or sweep, got ${JSON.stringify(l.kind)}`;
  if (typeof l.strategy !== 'string' || !Array.isArray(l.symbols) || typeof l.timeframe !== 'string' || typeof l.at !== 'string') return 'expected strategy, symbols, timeframe and at';
  if (!Array.isArray(l.trials)) return 'trials: expected an array';
  for (const [k, t] of l.trials.entries()) {
    if (typeof t !== 'object' || t === null || typeof t.params !== 'object' || t.params === null) return `trials[${k}].params: expected an object`;
    if (t.sharpe !== null && typeof t.sharpe !== 'number') return `trials[${k}].sharpe: expected a number or null`;
  }
  return null;
}

/** Each readable line of the log, in order; lines that cannot be read go to `problems` (by line number). */
function readLines(workspaceDir: string, problems: string[]): TrialLine[] {
  let text: string;
  try {
    text = fs.readFileSync(trialsFile(workspaceDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: TrialLine[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const where = `${path.join('runs', 'trials.jsonl')} line ${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      problems.push(`${where}: not valid JSON (${i + 1 === lines.length ? 'cut short' : 'damaged'})`);
      return;
    }
    const problem = lineProblem(parsed);
    if (problem !== null) problems.push(`${where}: ${problem}`);
    else out.push(parsed as TrialLine);
  });
  return out;
}

/** Every earlier trial of the question, distinct by parameters and date range (the latest figure wins). */
export function readTrialHistory(workspaceDir: string, question: TrialQuestion): TrialHistory {
  const h: TrialHistory = { backtests: 0, sweeps: 0, ids: new Set(), perStepSharpe: new Map(), since: null, problems: [] };
  const key = keyOf(question);
  for (const line of readLines(workspaceDir, h.problems)) {
    if (keyOf(line) !== key) continue;
    if (line.kind === 'backtest') h.backtests++;
    else h.sweeps++;
    h.since ??= line.at;
    for (const t of line.trials) {
      const id = trialIdentity(t.params, t.from, t.to);
      h.ids.add(id);
      if (t.sharpe !== null && t.periodsPerYear !== null && t.periodsPerYear > 0) h.perStepSharpe.set(id, t.sharpe / Math.sqrt(t.periodsPerYear));
    }
  }
  return h;
}

/**
 * QuantConnect's research gauges, per strategy (by its declared name) over all its questions:
 * backtests and sweeps logged, and distinct combinations tried (a combination on other symbols
 * or another timeframe is another trial).
 */
export function researchByStrategy(workspaceDir: string): Map<string, { backtests: number; sweeps: number; combinations: number }> {
  const out = new Map<string, { backtests: number; sweeps: number; combinations: number }>();
  const ids = new Map<string, Set<string>>();
  for (const line of readLines(workspaceDir, [])) {
    let t = out.get(line.strategy);
    if (t === undefined) out.set(line.strategy, (t = { backtests: 0, sweeps: 0, combinations: 0 }));
    if (line.kind === 'backtest') t.backtests++;
    else t.sweeps++;
    let seen = ids.get(line.strategy);
    if (seen === undefined) ids.set(line.strategy, (seen = new Set()));
    const q = keyOf(line);
    for (const trial of line.trials) seen.add(q + trialIdentity(trial.params, trial.from, trial.to));
    t.combinations = seen.size;
  }
  return out;
}

/** Parameters with their defaults filled in, so `{fast: 10}` and `{}` are the same trial of sma-cross. */
function fullParams(def: StrategyDefinition, params: Record<string, unknown>): Record<string, unknown> {
  const r = resolveParams(def, params);
  return r.ok ? (r.params as Record<string, unknown>) : params;
}

/** What a sweep reports of its question's history, besides the deflated Sharpe ratio. */
export interface ResearchTally {
  /** Saved backtests and sweeps of the question before this one, and when it was first tried. */
  backtests: number;
  sweeps: number;
  since: string | null;
  /** Distinct combinations tried, this sweep included. */
  combinations: number;
  /** Lines of runs/trials.jsonl that could not be read (left out of the counts). */
  problems: string[];
}

/**
 * A finished sweep: its best Sharpe ratio deflated for every trial of its question (earlier ones
 * from the log included), and its own combinations appended to the log.
 */
export function recordSweep(
  workspaceDir: string,
  def: StrategyDefinition,
  question: TrialQuestion,
  range: { from?: string; to?: string },
  results: readonly { params: Record<string, unknown>; metrics: Metrics | null }[],
): { deflated: SweepDeflation | null; research: ResearchTally } {
  const history = readTrialHistory(workspaceDir, question);
  const trials = results.map((r) => trialOf(fullParams(def, r.params), range.from, range.to, r.metrics));
  const mine = new Set(trials.map((t) => trialIdentity(t.params, t.from, t.to)));
  const earlier = [...history.perStepSharpe].filter(([id]) => !mine.has(id)).map(([, sr]) => sr);
  const deflated = deflateSweep(results, earlier);
  const combinations = new Set([...history.ids, ...mine]).size;
  logTrials(workspaceDir, question, 'sweep', trials);
  return { deflated, research: { backtests: history.backtests, sweeps: history.sweeps, since: history.since, combinations, problems: history.problems } };
}

/** A saved backtest is one trial of its question. */
export function recordBacktest(workspaceDir: string, def: StrategyDefinition, question: TrialQuestion, range: { from?: string; to?: string }, params: Record<string, unknown>, metrics: Metrics): void {
  logTrials(workspaceDir, question, 'backtest', [trialOf(fullParams(def, params), range.from, range.to, metrics)]);
}
