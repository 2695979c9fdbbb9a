// Which workspace a Jupyter-launched kernel opens: the one named in the notebook's metadata
// (`metadata.strategy_studio.workspace`, found through the JPY_SESSION_NAME that Jupyter Server
// sets), else `--workspace` from the kernelspec, else the workspace the notebook sits in, else
// the default workspace.
import fs from 'node:fs';
import path from 'node:path';
import { defaultWorkspaceDir } from '../workspace/paths';

export type WorkspaceSource = 'notebook metadata' | '--workspace' | 'enclosing workspace' | 'default';

function notebookFile(sessionName: string | undefined, cwd: string): string | null {
  if (!sessionName || !sessionName.endsWith('.ipynb')) return null;
  const candidates = path.isAbsolute(sessionName) ? [sessionName] : [path.resolve(cwd, sessionName), path.resolve(cwd, path.basename(sessionName))];
  return candidates.find((f) => fs.existsSync(f)) ?? null;
}

function workspaceFromMetadata(file: string): string | null {
  try {
    const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { metadata?: { strategy_studio?: { workspace?: unknown } } };
    const ws = nb.metadata?.strategy_studio?.workspace;
    return typeof ws === 'string' && ws ? path.resolve(path.dirname(file), ws) : null;
  } catch {
    return null;
  }
}

function enclosingWorkspace(from: string): string | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'studio.json'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

export function resolveWorkspace(opts: { flag?: string; env?: NodeJS.ProcessEnv; cwd?: string }): { dir: string; source: WorkspaceSource } {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const nb = notebookFile(env.JPY_SESSION_NAME, cwd);
  const fromMeta = nb ? workspaceFromMetadata(nb) : null;
  if (fromMeta) return { dir: fromMeta, source: 'notebook metadata' };
  if (opts.flag) return { dir: path.resolve(opts.flag), source: '--workspace' };
  const enclosing = enclosingWorkspace(cwd);
  if (enclosing) return { dir: enclosing, source: 'enclosing workspace' };
  return { dir: defaultWorkspaceDir(env), source: 'default' };
}
