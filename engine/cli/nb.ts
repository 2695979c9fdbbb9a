// `studio nb …`: notebooks from the command line.
import type { Command } from 'commander';
import path from 'node:path';
import { openWorkspace } from '../host/workspace';
import { runNotebook, writeOutputNotebook } from '../notebook/headless';
import { NotebookFormatError } from '../notebook/ipynb';
import { fail, workspaceOption, wsDir } from './common';

export function registerNbCommands(program: Command): void {
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
      await ws.lakeReady;
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
        const firstLine = result.notebook.cells[result.failed.index].source.split('\n')[0].slice(0, 80);
        fail(
          `cell ${result.failed.index + 1} [${result.failed.id}] failed: ${result.failed.ename}: ${result.failed.evalue}\n` +
            `  ${firstLine}\n` +
            (o.output ? `  outputs up to and including this cell were written to ${o.output}` : '  (no -o given: nothing was written)'),
        );
      }
      process.stdout.write(`ran ${result.executed} cells${o.output ? `, wrote ${o.output}` : ''}\n`);
    });

}
