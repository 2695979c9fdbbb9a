// `studio kernel …`: the studio's TypeScript kernel as a Jupyter kernel — install its kernelspec
// for JupyterLab, VS Code and nbconvert, and the entry point those clients start.
import { Option, type Command } from 'commander';
import path from 'node:path';
import { VERSION } from '../host/host';
import { appRoot, openWorkspace } from '../host/workspace';
import { readConnectionFile } from '../jupyter/connection';
import { DEFAULT_KERNEL_NAME, DISPLAY_NAME, installKernelspec, kernelJson, kernelsDir, uninstallKernelspec, validKernelName } from '../jupyter/kernelspec';
import { JupyterKernel } from '../jupyter/server';
import { resolveWorkspace } from '../jupyter/workspace';
import { watchParent } from '../jupyter/lifeline';
import { fail } from './common';

interface WhereOptions {
  user?: boolean;
  prefix?: string;
  name: string;
}

const whereOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--user', 'in your Jupyter data folder (the default)').conflicts('prefix'))
    .addOption(new Option('--prefix <dir>', 'under DIR/share/jupyter/kernels (set JUPYTER_PATH=DIR/share/jupyter to use it)'))
    .option('--name <name>', 'the kernelspec name', DEFAULT_KERNEL_NAME);

function kernelName(o: WhereOptions): string {
  if (!validKernelName(o.name)) fail(`--name ${o.name}: a kernel name may hold letters, digits, ".", "_" and "-" only`, 2);
  return o.name;
}

export function registerKernelCommands(program: Command): void {
  const kernel = program.command('kernel').description('the TypeScript kernel as a Jupyter kernel (JupyterLab, VS Code, nbconvert)');

  whereOptions(kernel.command('install').description('install the Jupyter kernelspec "TypeScript (Strategy Studio)"'))
    .option('--display-name <text>', 'the name Jupyter shows', DISPLAY_NAME)
    .option('--workspace <dir>', 'the workspace the kernel opens (default: the notebook\'s metadata, its enclosing workspace, or the default workspace)')
    .action((o: WhereOptions & { displayName: string; workspace?: string }) => {
      const name = kernelName(o);
      const spec = kernelJson({ node: process.execPath, studioBin: path.join(appRoot(), 'bin', 'studio.js'), workspace: o.workspace, displayName: o.displayName });
      const dir = installKernelspec({ dir: kernelsDir({ prefix: o.prefix }), name, spec });
      process.stdout.write(`installed kernelspec ${name} in ${dir}\n`);
    });

  whereOptions(kernel.command('uninstall').description('remove the kernelspec')).action((o: WhereOptions) => {
    const name = kernelName(o);
    const removed = uninstallKernelspec({ dir: kernelsDir({ prefix: o.prefix }), name });
    if (!removed) fail(`no kernelspec ${name} in ${kernelsDir({ prefix: o.prefix })}`);
    process.stdout.write(`removed kernelspec ${name} from ${removed}\n`);
  });

  kernel
    .command('run')
    .description('run the kernel for a Jupyter client (Jupyter starts this from the kernelspec)')
    .requiredOption('--connection-file <file>', 'the connection file the Jupyter client wrote')
    .option('--workspace <dir>', 'the workspace to open unless the notebook names one')
    .action(async (o: { connectionFile: string; workspace?: string }) => {
      let connection;
      try {
        connection = readConnectionFile(o.connectionFile);
      } catch (e) {
        fail((e as Error).message, 2);
      }
      const log = (m: string) => process.stderr.write(`[studio kernel] ${m}\n`);
      const ws = resolveWorkspace({ flag: o.workspace });
      log(`workspace ${ws.dir} (from ${ws.source})`);
      const workspace = openWorkspace(ws.dir).then(async (w) => {
        for (const p of w.problems) log(`invalid setting ${p.path}: ${p.message} (using the default)`);
        // A new workspace's sample lake is written first, so the first query sees it.
        await w.lakeReady;
        return w.dir;
      });
      let stopping = false;
      const stop = async (why: string, code = 0) => {
        if (stopping) return;
        stopping = true;
        log(`stopping: ${why}`);
        await kernel.close();
        process.exit(code);
      };
      const kernel = new JupyterKernel({ connection, workspace, version: VERSION, log, onShutdown: () => process.exit(0) });
      try {
        await kernel.start();
      } catch (e) {
        await kernel.close();
        fail(`cannot bind the kernel's sockets: ${(e as Error).message}`);
      }
      watchParent((why) => void stop(why));
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGHUP', () => void stop('SIGHUP'));
      // Interrupts come as messages (interrupt_mode "message"); a stray Ctrl-C in a terminal is not a reason to die.
      process.on('SIGINT', () => log('SIGINT ignored: interrupt with an interrupt_request'));
    });
}
