// Installing the kernel for Jupyter, and which workspace a Jupyter-started kernel opens.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../../test/support/tmp';
import { installKernelspec, jupyterUserDataDir, kernelJson, kernelsDir, uninstallKernelspec } from './kernelspec';
import { resolveWorkspace } from './workspace';
import { readConnectionFile } from './connection';

const root = tmpDir('studio-kernelspec-');

describe('the kernelspec', () => {
  it('is written with absolute paths, interrupt by message and the three logos, and removed again', () => {
    const dir = kernelsDir({ prefix: path.join(root, 'prefix') });
    expect(dir).toBe(path.join(root, 'prefix', 'share', 'jupyter', 'kernels'));
    const spec = kernelJson({ node: '/usr/bin/node', studioBin: '/opt/studio/bin/studio.js', workspace: 'ws' });
    const target = installKernelspec({ dir, name: 'strategy-studio', spec });
    const written = JSON.parse(fs.readFileSync(path.join(target, 'kernel.json'), 'utf8'));
    expect(written).toEqual({
      argv: ['/usr/bin/node', '/opt/studio/bin/studio.js', 'kernel', 'run', '--connection-file', '{connection_file}', '--workspace', path.resolve('ws')],
      display_name: 'TypeScript (Strategy Studio)', language: 'typescript', interrupt_mode: 'message', metadata: { debugger: false },
    });
    expect(fs.readFileSync(path.join(target, 'logo-64x64.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(fs.readFileSync(path.join(target, 'logo-32x32.png')).readUInt32BE(16)).toBe(32);
    expect(fs.readFileSync(path.join(target, 'logo-svg.svg'), 'utf8')).toMatch(/^<svg/);
    expect(uninstallKernelspec({ dir, name: 'strategy-studio' })).toBe(target);
    expect(fs.existsSync(target)).toBe(false);
    expect(uninstallKernelspec({ dir, name: 'strategy-studio' })).toBeNull();
  });

  it('refuses a name Jupyter could not use', () => {
    expect(() => installKernelspec({ dir: root, name: 'bad name/..', spec: kernelJson({ node: 'n', studioBin: 's' }) })).toThrow(/--name/);
  });

  it('goes to the user’s Jupyter data folder by default', () => {
    expect(jupyterUserDataDir({ XDG_DATA_HOME: '/x' }, 'linux')).toBe('/x/jupyter');
    expect(jupyterUserDataDir({ JUPYTER_DATA_DIR: '/j' }, 'linux')).toBe('/j');
  });
});

describe('the workspace a Jupyter-started kernel opens', () => {
  const ws = path.join(root, 'research');
  fs.mkdirSync(path.join(ws, 'notebooks'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'studio.json'), '{}');
  const nb = path.join(ws, 'notebooks', 'a.ipynb');
  fs.writeFileSync(nb, JSON.stringify({ metadata: { strategy_studio: { workspace: '../../elsewhere' } }, cells: [] }));

  it('is the one in the notebook’s metadata first, then --workspace, then the enclosing one, then the default', () => {
    expect(resolveWorkspace({ flag: '/flag', env: { JPY_SESSION_NAME: 'notebooks/a.ipynb' }, cwd: path.join(ws, 'notebooks') }))
      .toEqual({ dir: path.join(root, 'elsewhere'), source: 'notebook metadata' });
    expect(resolveWorkspace({ flag: '/flag', env: {}, cwd: path.join(ws, 'notebooks') })).toEqual({ dir: '/flag', source: '--workspace' });
    expect(resolveWorkspace({ env: {}, cwd: path.join(ws, 'notebooks') })).toEqual({ dir: ws, source: 'enclosing workspace' });
    expect(resolveWorkspace({ env: { STUDIO_DATA_DIR: '/data' }, cwd: '/' })).toEqual({ dir: '/data/workspace', source: 'default' });
  });
});

describe('the connection file', () => {
  it('names the file and the field that is wrong', () => {
    const f = path.join(root, 'conn.json');
    fs.writeFileSync(f, JSON.stringify({ ip: '127.0.0.1', shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 'x', key: 'k' }));
    expect(() => readConnectionFile(f)).toThrow(new RegExp(`${f}: hb_port`));
  });
});
