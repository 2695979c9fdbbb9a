// Finding and loading strategies: a .ts file (compiled with esbuild), a file in the workspace's
// strategies/ folder, or a shipped example by name. Compiled code is plain data, so worker threads
// evaluate the same bytes the host compiled; errors name the strategy file and line.
import type { BuildFailure } from 'esbuild';
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import * as zod from 'zod';
import { exampleStrategies } from '../core/strategy/examples/index';
import * as sdk from '../core/strategy/sdk';
import type { StrategyDefinition } from '../core/strategy/types';
import { EXAMPLE_SOURCES } from './example-sources';

/** Where a strategy comes from, in a form that can be posted to a worker thread. */
export type StrategySource =
  | { kind: 'example'; name: string }
  | { kind: 'file'; file: string; code: string; map: string };

export interface LoadedStrategy {
  definition: StrategyDefinition;
  source: StrategySource;
  /** The file path, or `example NAME`: what error messages and run records call it. */
  label: string;
}

/** A strategy that cannot be found, compiled or evaluated; the message names the file and line. */
export class StrategyLoadError extends Error {
  override name = 'StrategyLoadError';
}

/** The module names a strategy file may import besides its own relative files. */
const MODULES: Readonly<Record<string, unknown>> = { 'strategy-studio': sdk, zod };
const WRAP_PREFIX = '(function (exports, require, module) {';
const FRAME_PREFIX = 'strategy:';

export function isStrategyPath(spec: string): boolean {
  return /\.(ts|mts|js|mjs)$/.test(spec) || spec.includes('/') || spec.includes(path.sep);
}

export function workspaceStrategiesDir(workspaceDir: string): string {
  return path.join(workspaceDir, 'strategies');
}

/** Names a bare STRATEGY argument can take in this workspace: its files and the examples. */
export function availableStrategies(workspaceDir: string | null): string[] {
  const names = new Set(Object.keys(exampleStrategies));
  const dir = workspaceDir === null ? null : workspaceStrategiesDir(workspaceDir);
  if (dir !== null && fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) if (/\.(ts|mts|js|mjs)$/.test(f)) names.add(f.replace(/\.[^.]+$/, ''));
  return [...names].sort();
}

/**
 * Resolves STRATEGY: a path to a file; else a file in the workspace's strategies/ (the user's
 * copy wins over the example it started from); else a shipped example.
 */
export async function loadStrategy(spec: string, workspaceDir: string | null, cwd = process.cwd()): Promise<LoadedStrategy> {
  if (isStrategyPath(spec)) {
    const file = path.resolve(cwd, spec);
    if (!fs.existsSync(file)) throw new StrategyLoadError(`strategy file ${file} does not exist`);
    return fromSource(await compileStrategyFile(file));
  }
  if (workspaceDir !== null) {
    for (const ext of ['.ts', '.mts', '.js', '.mjs']) {
      const file = path.join(workspaceStrategiesDir(workspaceDir), spec + ext);
      if (fs.existsSync(file)) return fromSource(await compileStrategyFile(file));
    }
  }
  if (Object.hasOwn(exampleStrategies, spec)) return fromSource({ kind: 'example', name: spec });
  throw new StrategyLoadError(`no strategy '${spec}': expected a .ts file or one of ${availableStrategies(workspaceDir).join(', ')}`);
}

export function fromSource(source: StrategySource): LoadedStrategy {
  if (source.kind === 'example') {
    const definition = exampleStrategies[source.name];
    if (definition === undefined) throw new StrategyLoadError(`no example strategy '${source.name}'`);
    return { definition, source, label: `example ${source.name}` };
  }
  return { definition: evaluateStrategy(source), source, label: source.file };
}

/** Bundles a strategy file and its relative imports into one CommonJS script with a source map. */
export async function compileStrategyFile(file: string): Promise<StrategySource & { kind: 'file' }> {
  try {
    // Loaded on first use: pool workers import this module only to evaluate already-compiled
    // code, and loading esbuild would add to every worker's start-up.
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [file],
      absWorkingDir: path.dirname(file),
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcemap: 'external',
      sourcesContent: false,
      outfile: path.join(path.dirname(file), '__strategy.js'),
      external: Object.keys(MODULES),
      logLevel: 'silent',
    });
    const code = out.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
    const map = out.outputFiles.find((f) => f.path.endsWith('.map'))?.text ?? '';
    return { kind: 'file', file, code, map };
  } catch (e) {
    const first = (e as BuildFailure).errors?.[0];
    if (first === undefined) throw new StrategyLoadError(`${file}: ${(e as Error).message}`);
    const where = first.location ? `${path.resolve(path.dirname(file), first.location.file)}:${first.location.line}:${first.location.column + 1}` : file;
    throw new StrategyLoadError(`${where}: ${first.text}`);
  }
}

/** Runs compiled strategy code and picks its definition (the default export, else the first one). */
export function evaluateStrategy(source: StrategySource & { kind: 'file' }): StrategyDefinition {
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  const req = (name: string): unknown => {
    if (Object.hasOwn(MODULES, name)) return MODULES[name];
    throw new Error(`a strategy may import 'strategy-studio', 'zod' and its own relative files, not '${name}'`);
  };
  try {
    const fn = vm.runInThisContext(`${WRAP_PREFIX}${source.code}\n})`, { filename: FRAME_PREFIX + source.file }) as (
      e: unknown,
      r: unknown,
      m: unknown,
    ) => void;
    fn(mod.exports, req, mod);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    throw new StrategyLoadError(`${strategyErrorLocation(source, err.stack) ?? source.file}: ${err.message}`);
  }
  const exported = Object.values(mod.exports);
  const candidates = [mod.exports.default, ...exported].filter(isDefinition);
  if (candidates.length === 0) {
    throw new StrategyLoadError(`${source.file}: exports no strategy (expected \`export default defineStrategy({ name, params, create })\`)`);
  }
  return candidates[0];
}

function isDefinition(x: unknown): x is StrategyDefinition {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Partial<StrategyDefinition>;
  return typeof d.name === 'string' && typeof d.create === 'function' && typeof d.params === 'object' && d.params !== null && 'shape' in d.params;
}

const mapCache = new WeakMap<object, SourceMap>();

/**
 * The original `file:line:column` of the innermost stack frame inside the strategy's own code,
 * or null when the error did not pass through it.
 */
export function strategyErrorLocation(source: StrategySource, stack: string | undefined): string | null {
  if (source.kind !== 'file' || stack === undefined) return null;
  const marker = FRAME_PREFIX + source.file + ':';
  for (const line of stack.split('\n')) {
    const at = line.indexOf(marker);
    if (at < 0) continue;
    const m = /^(\d+):(\d+)/.exec(line.slice(at + marker.length));
    if (m === null) continue;
    const genLine = Number(m[1]) - 1;
    const genCol = Number(m[2]) - 1 - (genLine === 0 ? WRAP_PREFIX.length : 0);
    let sm = mapCache.get(source);
    if (sm === undefined) {
      sm = new SourceMap(JSON.parse(source.map));
      mapCache.set(source, sm);
    }
    const entry = sm.findEntry(genLine, Math.max(0, genCol)) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined) return `${source.file}`;
    const original = entry.originalSource.startsWith('file://') ? new URL(entry.originalSource).pathname : path.resolve(path.dirname(source.file), entry.originalSource);
    return `${original}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  }
  return null;
}

/**
 * Copies the examples into a workspace's strategies/ folder as editable files; files that exist
 * are left alone, so a user's edits survive.
 */
export function seedExampleStrategies(workspaceDir: string): string[] {
  const dir = workspaceStrategiesDir(workspaceDir);
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(EXAMPLE_SOURCES)) {
    const file = path.join(dir, `${name}.ts`);
    if (fs.existsSync(file)) continue;
    fs.writeFileSync(file, text);
    written.push(file);
  }
  return written;
}

/**
 * `file:line` of a parameter's declaration in a strategy file (the `name:` key after `params`),
 * else of the `params` declaration itself, else the file: where a bad `--param` should send the
 * user. Text search, not a parse: strategy files declare params as a literal zod object.
 */
export function paramLocation(source: StrategySource, param: string | null): string | null {
  if (source.kind !== 'file') return null;
  let text: string;
  try {
    text = fs.readFileSync(source.file, 'utf8');
  } catch {
    return source.file;
  }
  const lines = text.split('\n');
  const paramsLine = lines.findIndex((l) => /\bparams\s*:/.test(l));
  if (paramsLine < 0) return source.file;
  if (param !== null && /^[A-Za-z_$][\w$]*$/.test(param)) {
    const key = new RegExp(`(^|[\\s{,])['"]?${param.replace(/\$/g, '\\$')}['"]?\\s*:`);
    for (let i = paramsLine; i < lines.length; i++) if (key.test(lines[i])) return `${source.file}:${i + 1}`;
  }
  return `${source.file}:${paramsLine + 1}`;
}
