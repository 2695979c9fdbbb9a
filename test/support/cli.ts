// `studio …` from source as a user types it, for the CLI tests: a blocking run that returns the
// exit code and both streams, and the one JSON object a `--json` command prints.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs the CLI from source (the bundle runs the same main) against workspace `ws`. */
export function studioIn(ws: string, ...args: string[]): CliRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'engine/cli/entry.ts', ...args, '--workspace', ws], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The printed object of a run that must have succeeded. */
export function jsonOf(r: CliRun): Record<string, unknown> {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}`);
  return JSON.parse(r.out) as Record<string, unknown>;
}
