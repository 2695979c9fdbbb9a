// The `studio` command line: serve the app in a browser, run notebooks headless, work with the
// lake. Every command takes --workspace (default: the default workspace, created on first use).
import { Command, Option } from 'commander';
import path from 'node:path';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { createLogger } from '../log/logger';
import { defaultWorkspaceDir } from '../workspace/paths';
import { createHost, VERSION } from '../host/host';
import { startServer } from '../host/server';
import { appRoot, openWorkspace } from '../host/workspace';
import { runNotebook, writeOutputNotebook } from '../notebook/headless';
import { NotebookFormatError } from '../notebook/ipynb';
import { Lake } from '../lake/lake';
import { writeSampleLake } from '../lake/sample';

const workspaceOption = () => new Option('--workspace <dir>', 'workspace folder (default: the default workspace, created on first use)');
const wsDir = (o: { workspace?: string }) => path.resolve(o.workspace ?? defaultWorkspaceDir());

function fail(message: string, code = 1): never {
  process.stderr.write(`studio: ${message}\n`);
  process.exit(code);
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port: expected an integer 0–65535 (0 picks a free port), got "${v}"`);
  return n;
}

function openInBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  try {
    const p = spawn(cmd, args, { stdio: 'ignore', detached: true });
    p.on('error', () => {});
    p.unref();
  } catch {
    // No browser here: the printed URL is enough.
  }
}

export function buildProgram(): Command {
  const program = new Command('studio')
    .description('Strategy Studio: notebooks, lake, backtests and paper trading for quantitative research')
    .version(VERSION)
    .showHelpAfterError();

  program
    .command('serve')
    .description('serve the studio in a browser on 127.0.0.1 (prints a URL with an access token)')
    .addOption(workspaceOption())
    .option('--port <n>', 'port to listen on (0 picks a free port)', parsePort, 0)
    .option('--open', 'open the URL in the default browser', false)
    .action(async (o: { workspace?: string; port: number; open: boolean }) => {
      const log = createLogger('host');
      const staticDir = path.join(appRoot(), 'dist', 'renderer');
      const dir = wsDir(o);
      const host = await createHost({ workspaceDir: dir, log });
      for (const p of host.workspace().problems) process.stderr.write(`studio: invalid setting ${p.path}: ${p.message} (using the default)\n`);
      let server;
      try {
        server = await startServer({ host, staticDir, port: o.port, log });
      } catch (e) {
        await host.close();
        const err = e as NodeJS.ErrnoException;
        fail(err.code === 'EADDRINUSE' ? `port ${o.port} is taken; use --port 0 to pick a free one` : err.message);
      }
      log.info({ port: server.port, workspace: dir }, 'serving');
      process.stdout.write(`Strategy Studio at ${server.url}\nworkspace: ${dir}\n`);
      if (o.open) openInBrowser(server.url);
      const stop = async () => {
        await server.close();
        await host.close();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });

  const nb = program.command('nb').description('notebooks');
  nb.command('run')
    .description('run a notebook headless, top to bottom (papermill-style parameters with -p)')
    .argument('<notebook>', 'the .ipynb file to run')
    .option('-o, --output <file>', 'where to write the executed notebook (default: overwrite nothing, print a summary)')
    .option('-p, --param <key=value...>', 'parameter injected after the cell tagged "parameters"', [])
    .addOption(workspaceOption())
    .action(async (file: string, o: { output?: string; param: string[]; workspace?: string }) => {
      const params: Record<string, string> = {};
      for (const kv of o.param) {
        const i = kv.indexOf('=');
        if (i <= 0 || !/^[A-Za-z_$][\w$]*$/.test(kv.slice(0, i))) fail(`-p ${kv}: expected key=value with an identifier as key`, 2);
        params[kv.slice(0, i)] = kv.slice(i + 1);
      }
      const ws = await openWorkspace(wsDir(o));
      let result;
      try {
        result = await runNotebook(path.resolve(file), {
          workspaceDir: ws.dir,
          params,
          onCell: (i, c, status) => process.stderr.write(`cell ${i + 1} [${c.id}] ${status}\n`),
        });
      } catch (e) {
        if (e instanceof NotebookFormatError) fail(e.message, 2);
        throw e;
      }
      if (o.output) writeOutputNotebook(result, o.output);
      if (!result.ok && result.failed) {
        fail(`cell ${result.failed.index + 1} [${result.failed.id}] failed: ${result.failed.ename}: ${result.failed.evalue}`);
      }
      process.stdout.write(`ran ${result.executed} cells${o.output ? `, wrote ${o.output}` : ''}\n`);
    });

  const lake = program.command('lake').description('the workspace data lake (Parquet + DuckDB)');
  lake
    .command('sample')
    .description('write the deterministic sample dataset into the lake')
    .option('--symbols <n>', 'number of symbols', (v) => Number(v))
    .option('--days <n>', 'number of sessions of 1-minute bars', (v) => Number(v))
    .option('--seed <n>', 'random seed', (v) => Number(v))
    .addOption(workspaceOption())
    .action(async (o: { symbols?: number; days?: number; seed?: number; workspace?: string }) => {
      const ws = await openWorkspace(wsDir(o), { seed: false });
      const rows = await writeSampleLake(path.join(ws.dir, 'lake'), { symbols: o.symbols, days: o.days, seed: o.seed });
      process.stdout.write(`wrote ${rows} sample rows to ${path.join(ws.dir, 'lake')}\n`);
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
      const l = await Lake.open(path.join(ws.dir, 'lake'));
      try {
        const r = await l.query(sql);
        if (o.json) process.stdout.write(JSON.stringify(r.rows) + '\n');
        else if (o.csv) {
          const cell = (v: unknown) => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
          process.stdout.write([r.columns.map((c) => c.name).join(','), ...r.rows.map((row) => r.columns.map((c) => cell(row[c.name])).join(','))].join('\n') + '\n');
        } else console.table(r.rows);
      } catch (e) {
        fail((e as Error).message);
      } finally {
        l.close();
      }
    });

  program
    .command('sim')
    .description('run the local Alpaca-protocol simulator (REST + WebSocket) on 127.0.0.1: the offline paper broker')
    .option('--port <n>', 'port to listen on (0 picks a free port)', parsePort, 0)
    .option('--speed <x>', 'simulated seconds per wall-clock second', (v) => Number(v), 1)
    .option('--key <id>', 'accept only this API key id (default: any key pair)')
    .option('--secret <secret>', 'the secret that goes with --key')
    .addOption(workspaceOption())
    .action(async (o: { port: number; speed: number; key?: string; secret?: string }) => {
      if (!(o.speed > 0)) fail(`--speed: expected a positive number, got ${o.speed}`, 2);
      if (!!o.key !== !!o.secret) fail('--key and --secret go together', 2);
      const { startSimulator } = await import('../sim');
      const sim = await startSimulator({ port: o.port, speed: o.speed, keys: o.key ? { keyId: o.key, secret: o.secret! } : undefined });
      process.stdout.write(`Alpaca simulator listening on ${sim.url}\n`);
      for (const [k, v] of Object.entries(sim.urls)) process.stdout.write(`  ${k}: ${v}\n`);
      const stop = () => void sim.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  if (!fs.existsSync(appRoot())) fail('cannot find the application folder');
  await buildProgram().parseAsync(argv);
}
