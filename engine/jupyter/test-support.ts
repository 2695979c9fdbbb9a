// Helpers for tests that drive the kernel with Jupyter's own clients: find a python3 that has
// jupyter_client, and install a kernelspec that runs this source tree (through tsx) rather than
// the bundle in dist/, so the tests check the code as it is now.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { installKernelspec, kernelJson } from './kernelspec';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Debian's python3 first: that is where `apt-get install python3-jupyter-client python3-nbclient` puts them. */
export function findJupyterPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import jupyter_client, nbclient, nbformat'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

export const MISSING_JUPYTER = 'python3 with jupyter_client, nbclient and nbformat not found: apt-get install -y python3-jupyter-client python3-nbclient python3-nbformat jupyter-nbconvert';

/** argv that starts `studio kernel run` from the TypeScript sources. */
export function sourceKernelArgv(extra: string[]): string[] {
  const tsxDir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return [process.execPath, '--import', pathToFileURL(path.join(tsxDir, 'dist', 'loader.mjs')).href, path.join(here, '..', 'cli', 'entry.ts'), 'kernel', 'run', ...extra];
}

/** Installs a kernelspec under PREFIX/share/jupyter/kernels; returns the JUPYTER_PATH that finds it. */
export function installSourceKernel(prefix: string, name: string, workspace: string): string {
  const spec = kernelJson({ node: process.execPath, studioBin: '', workspace });
  spec.argv = sourceKernelArgv(['--connection-file', '{connection_file}', '--workspace', workspace]);
  installKernelspec({ dir: path.join(prefix, 'share', 'jupyter', 'kernels'), name, spec });
  return path.join(prefix, 'share', 'jupyter');
}

export const CLIENT_SCRIPT = path.join(here, 'jupyter_client_session.py');
