// The `studio` command line: serve the app in a browser, run notebooks headless, work with the
// lake. Every command takes --workspace (default: the default workspace, created on first use).
import { Command } from 'commander';
import path from 'node:path';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { createLogger } from '../log/logger';
import { createHost, VERSION } from '../host/host';
import { startServer } from '../host/server';
import { appRoot } from '../host/workspace';
import { fail, parsePort, workspaceOption, wsDir } from './common';
import { registerNbCommands } from './nb';
import { registerLakeCommands } from './lake';
import { registerSimCommands } from './sim';
import { registerBacktestCommands } from './backtest';
import { registerKernelCommands } from './kernel';




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

  // One file per command group; each registers its commands here.
  registerNbCommands(program);
  registerLakeCommands(program);
  registerSimCommands(program);
  registerBacktestCommands(program);
  registerKernelCommands(program);
  // `studio --help` lists every command, nested ones included.
  program.addHelpText('after', () => {
    const lines: string[] = [];
    const walk = (cmd: Command, prefix: string) => {
      for (const c of cmd.commands) {
        if (c.name() === 'help') continue;
        const name = `${prefix}${c.name()}`;
        if (c.commands.length) walk(c, `${name} `);
        else lines.push(`  studio ${`${name} ${c.usage()}`.padEnd(44)} ${c.description()}`);
      }
    };
    walk(program, '');
    return `\nAll commands (each takes --workspace DIR; see \`studio COMMAND --help\`):\n${lines.join('\n')}\n`;
  });
  return program;
}

export async function main(argv: string[]): Promise<void> {
  if (!fs.existsSync(appRoot())) fail('cannot find the application folder');
  await buildProgram().parseAsync(argv);
}
