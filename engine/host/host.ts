// The engine host: owns the open workspace, its notebook sessions and kernels, and serves the
// contract's handler table. The same host runs behind the WebSocket (browser mode, `studio serve`)
// and behind Electron IPC (the desktop app's utility process).
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { HandlerTable } from '../rpc/dispatcher';
import { createDispatcher, EventBus, RpcError, type Dispatcher } from '../rpc/dispatcher';
import type { WorkspaceInfo } from '../rpc/contract';
import { NotebookSession } from '../notebook/session';
import { NotebookFormatError } from '../notebook/ipynb';
import { openWorkspace, type OpenedWorkspace } from './workspace';
import { writeSampleLake } from '../lake/sample';
import { Lake } from '../lake/lake';
import { lakeService } from '../lake/service';
import { userDataDir } from '../workspace/paths';
import { writeFileAtomic } from '../util/atomic';
import { backtestHandlers } from '../backtest/handlers';

export const VERSION = '0.1.0';

export interface Host {
  dispatcher: Dispatcher;
  bus: EventBus;
  workspace(): OpenedWorkspace;
  close(): Promise<void>;
}

function recentFile(): string {
  return path.join(userDataDir(), 'recent-workspaces.json');
}

function readRecent(): string[] {
  try {
    const v = JSON.parse(fs.readFileSync(recentFile(), 'utf8')) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function rememberRecent(dir: string): void {
  const list = [dir, ...readRecent().filter((d) => d !== dir)].slice(0, 10);
  try {
    writeFileAtomic(recentFile(), JSON.stringify(list, null, 1) + '\n');
  } catch {
    // The recent list is a convenience; a read-only data folder must not stop the host.
  }
}

export async function createHost(opts: { workspaceDir: string; log: Logger; seed?: boolean }): Promise<Host> {
  const bus = new EventBus();
  const log = opts.log;
  const started = Date.now();
  let progressSeq = 0;
  const progress = (label: string) => {
    const id = `p${++progressSeq}`;
    return (doneLabel: string, done: number, total: number | null, finished = false) =>
      bus.emit('progress', { id, label: doneLabel || label, done, total, finished });
  };

  const open = async (dir: string) => {
    const report = progress('Preparing workspace');
    const ws = await openWorkspace(dir, { seed: opts.seed, onProgress: (l, d, t) => report(l, d, t) });
    ws.lakeReady.then(
      async () => {
        report('Workspace ready', 1, 1, true);
        if (lakePromise) await (await lakePromise).refreshViews();
      },
      (e: Error) => {
        report('Sample data failed', 1, 1, true);
        log.error({ err: e.message }, 'writing the sample lake failed');
        bus.emit('log', { level: 'error', message: `writing the sample lake failed: ${e.message}` });
      },
    );
    for (const p of ws.problems) log.warn({ setting: p.path }, `invalid setting: ${p.message}; using the default`);
    rememberRecent(ws.dir);
    return ws;
  };

  let lakePromise: Promise<Lake> | null = null;
  let ws = await open(opts.workspaceDir);
  const sessions = new Map<string, NotebookSession>();

  const info = (): WorkspaceInfo => ({
    dir: ws.dir,
    name: path.basename(ws.dir),
    settingsProblems: ws.problems,
    theme: ws.settings.theme,
  });

  /** Resolves a notebook path inside the workspace; anything escaping it is refused. */
  const resolveNotebook = (rel: string): string => {
    const abs = path.resolve(ws.dir, rel);
    if (!abs.startsWith(ws.dir + path.sep)) throw new RpcError('bad_path', `${rel}: outside the workspace`);
    if (!abs.endsWith('.ipynb')) throw new RpcError('bad_path', `${rel}: expected a .ipynb file`);
    return abs;
  };

  const session = (rel: string): NotebookSession => {
    const key = path.relative(ws.dir, resolveNotebook(rel));
    let s = sessions.get(key);
    if (!s) {
      const file = resolveNotebook(key);
      if (!fs.existsSync(file)) throw new RpcError('not_found', `${key}: no such notebook`);
      try {
        s = new NotebookSession(key, file, ws.dir, bus, {
          stripOutputsOnSave: ws.settings.notebooks.stripOutputsOnSave,
          autosaveMs: ws.settings.notebooks.autosaveMs,
          log: (m) => log.info(m),
        });
      } catch (e) {
        if (e instanceof NotebookFormatError) throw new RpcError('bad_notebook', e.message);
        throw e;
      }
      sessions.set(key, s);
    }
    return s;
  };

  const lake = () => (lakePromise ??= Lake.open(path.join(ws.dir, 'lake')));
  const closeLake = async () => {
    const l = lakePromise;
    lakePromise = null;
    if (l) (await l).close();
  };

  const lakes = lakeService({ workspaceDir: () => ws.dir, lake, ready: () => ws.lakeReady });

  const closeSessions = async () => {
    await Promise.all([...sessions.values()].map((s) => s.close()));
    sessions.clear();
  };

  const table: HandlerTable = {
    ...backtestHandlers({ workspaceDir: () => ws.dir, bus, lakeReady: () => ws.lakeReady.catch(() => {}) }),
    'host.ping': () => ({ version: VERSION, pid: process.pid, uptimeMs: Date.now() - started }),
    'workspace.info': () => info(),
    'workspace.open': async ({ dir }) => {
      await closeSessions();
      await closeLake();
      ws = await open(dir);
      return info();
    },
    'workspace.recent': () => readRecent(),
    'notebook.list': () => {
      const dir = path.join(ws.dir, 'notebooks');
      const out: { path: string; name: string; modifiedMs: number }[] = [];
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory() && !e.name.startsWith('.')) walk(p);
          else if (e.name.endsWith('.ipynb')) out.push({ path: path.relative(ws.dir, p), name: e.name, modifiedMs: fs.statSync(p).mtimeMs });
        }
      };
      if (fs.existsSync(dir)) walk(dir);
      return out.sort((a, b) => a.path.localeCompare(b.path));
    },
    'notebook.open': ({ path: p }) => session(p).toDoc(),
    'notebook.updateCell': ({ path: p, cellId, source }) => {
      session(p).updateCell(cellId, source);
      return { ok: true as const };
    },
    'notebook.insertCell': ({ path: p, index, cellType, source }) => session(p).insertCell(index, cellType, source),
    'notebook.deleteCell': ({ path: p, cellId }) => {
      session(p).deleteCell(cellId);
      return { ok: true as const };
    },
    'notebook.save': ({ path: p, force }) => ({ savedAtMs: session(p).save({ force }) }),
    'notebook.reload': ({ path: p }) => session(p).reload(),
    'notebook.setCellType': ({ path: p, cellId, cellType }) => {
      session(p).setCellType(cellId, cellType);
      return { ok: true as const };
    },
    'notebook.runStale': async ({ path: p }) => {
      const s = session(p);
      await ws.lakeReady.catch(() => {});
      return { queued: s.runStale() };
    },
    'notebook.tableRows': ({ path: p, ref, offset, limit }) => session(p).tableRows(ref, offset, limit),
    'kernel.variables': ({ path: p }) => session(p).variables(),
    'notebook.execute': async ({ path: p, cellIds }) => {
      const s = session(p);
      // A new workspace's sample lake may still be being written: cells see it whole.
      await ws.lakeReady.catch(() => {});
      return { queued: s.execute(cellIds) };
    },
    'kernel.interrupt': async ({ path: p }) => ({ how: await session(p).interrupt() }),
    'kernel.restart': async ({ path: p }) => {
      await session(p).restart();
      return { ok: true as const };
    },
    'lake.datasets': ({ verify }) => lakes.datasets(verify),
    'lake.openResult': ({ sql }) => lakes.openResult(sql),
    'lake.fetchRows': ({ id, offset, limit }) => lakes.fetchRows(id, offset, limit),
    'lake.closeResult': ({ id }) => lakes.closeResult(id),
    'lake.export': ({ id, format }) => lakes.exportResult(id, format),
    'lake.bars': (a) => lakes.bars(a),
    'lake.import': (a) => lakes.import(a),
    'lake.query': async ({ sql, limit }) => {
      const t0 = performance.now();
      const l = await lake();
      const r = await l.query(`select * from (${sql.replace(/;\s*$/, '')}) limit ${limit + 1}`);
      const truncated = r.rows.length > limit;
      return { columns: r.columns, rows: truncated ? r.rows.slice(0, limit) : r.rows, truncated, elapsedMs: performance.now() - t0 };
    },
    'lake.sample': async ({ symbols, days, seed }) => {
      const report = progress('Writing sample data');
      const rows = await writeSampleLake(path.join(ws.dir, 'lake'), { symbols, days, seed, onProgress: (l, d, t) => report(l, d, t) });
      await (await lake()).refreshViews();
      report('Sample data written', 1, 1, true);
      return { rows };
    },
  };

  const dispatcher = createDispatcher(table, bus);
  return {
    dispatcher,
    bus,
    workspace: () => ws,
    close: async () => {
      await closeSessions();
      await closeLake();
    },
  };
}
