// `studio kernel install/uninstall`: writes (or removes) the kernelspec Jupyter uses to start the
// studio's kernel — kernel.json with an argv of absolute paths (this node, this repo's
// bin/studio.js), interrupt by message, and the logos.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { logoPng, logoSvg } from './logo';

export const DEFAULT_KERNEL_NAME = 'strategy-studio';
export const DISPLAY_NAME = 'TypeScript (Strategy Studio)';

export interface KernelJson {
  argv: string[];
  display_name: string;
  language: 'typescript';
  interrupt_mode: 'message';
  env?: Record<string, string>;
  metadata: Record<string, unknown>;
}

/** Jupyter's per-user data folder (where `jupyter kernelspec install --user` writes). */
export function jupyterUserDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Jupyter');
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'jupyter');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'jupyter');
}

/** The kernels folder for `--prefix DIR` (DIR/share/jupyter/kernels) or the user's. */
export function kernelsDir(opts: { prefix?: string; env?: NodeJS.ProcessEnv }): string {
  return opts.prefix ? path.join(path.resolve(opts.prefix), 'share', 'jupyter', 'kernels') : path.join(jupyterUserDataDir(opts.env), 'kernels');
}

export function validKernelName(name: string): boolean {
  return /^[a-z0-9._-]+$/i.test(name);
}

export function kernelJson(opts: { node: string; studioBin: string; workspace?: string; displayName?: string }): KernelJson {
  return {
    argv: [opts.node, opts.studioBin, 'kernel', 'run', '--connection-file', '{connection_file}', ...(opts.workspace ? ['--workspace', path.resolve(opts.workspace)] : [])],
    display_name: opts.displayName ?? DISPLAY_NAME,
    language: 'typescript',
    interrupt_mode: 'message',
    metadata: { debugger: false },
  };
}

export function installKernelspec(opts: { dir: string; name: string; spec: KernelJson }): string {
  if (!validKernelName(opts.name)) throw new Error(`--name ${opts.name}: a kernel name may hold letters, digits, ".", "_" and "-" only`);
  const target = path.join(opts.dir, opts.name.toLowerCase());
  fs.mkdirSync(target, { recursive: true });
  fs.writeFileSync(path.join(target, 'kernel.json'), JSON.stringify(opts.spec, null, 1) + '\n');
  fs.writeFileSync(path.join(target, 'logo-32x32.png'), logoPng(32));
  fs.writeFileSync(path.join(target, 'logo-64x64.png'), logoPng(64));
  fs.writeFileSync(path.join(target, 'logo-svg.svg'), logoSvg());
  return target;
}

/** Removes the kernelspec; returns its folder, or null when none was installed there. */
export function uninstallKernelspec(opts: { dir: string; name: string }): string | null {
  const target = path.join(opts.dir, opts.name.toLowerCase());
  if (!fs.existsSync(path.join(target, 'kernel.json'))) return null;
  fs.rmSync(target, { recursive: true, force: true });
  return target;
}
