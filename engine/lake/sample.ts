// The embedded sample dataset: deterministic synthetic bars (engine/core/sample) written into a
// lake through the lake writer, so a fresh workspace has data offline with no account.
import { generateSample } from '../core/sample';
import { sessionsBetween } from '../core/calendar';
import type { BarColumns } from '../core/data/bars';
import { writeBars, writeCorporateActions } from './writer';

/** The sample covers a fixed range so every machine gets the same bytes for the same seed. */
export const SAMPLE_FROM = '2024-01-02';
export const SAMPLE_TO = '2024-12-31';
export const SAMPLE_SEED = 42;

export interface SampleLakeOptions {
  symbols?: number;
  /** Sessions of 1-minute bars, counted from SAMPLE_FROM (default: the whole year). */
  days?: number;
  seed?: number;
  onProgress?: (label: string, done: number, total: number | null) => void;
}

export async function writeSampleLake(lakeDir: string, opts: SampleLakeOptions = {}): Promise<number> {
  const seed = opts.seed ?? SAMPLE_SEED;
  const sessions = sessionsBetween(SAMPLE_FROM, SAMPLE_TO);
  const days = Math.max(1, Math.min(opts.days ?? sessions.length, sessions.length));
  const to = sessions[days - 1].date;
  const common = { from: SAMPLE_FROM, to, seed, symbols: opts.symbols } as const;
  opts.onProgress?.('Generating sample bars', 0, 3);
  const minute = generateSample({ ...common, timeframe: '1Min' });
  const daily = generateSample({ ...common, timeframe: '1Day' });
  opts.onProgress?.('Writing 1-minute bars', 1, 3);
  const blocks: BarColumns[] = [...minute.bars, ...daily.bars];
  const rows = await writeBars(lakeDir, blocks, `sample(seed=${seed})`);
  opts.onProgress?.('Writing corporate actions', 2, 3);
  await writeCorporateActions(lakeDir, minute.corporateActions, `sample(seed=${seed})`);
  opts.onProgress?.('Sample written', 3, 3);
  return rows;
}
