// Where the studio keeps things on each OS: the default workspace in the user's data folder
// and logs in the user's log folder (XDG on Linux, Library on macOS, AppData on Windows).
import os from 'node:os';
import path from 'node:path';

const APP = 'strategy-studio';
const APP_TITLE = 'Strategy Studio';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.STUDIO_DATA_DIR) return env.STUDIO_DATA_DIR;
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_TITLE);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_TITLE);
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), APP);
}

export function userLogDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.STUDIO_LOG_DIR) return env.STUDIO_LOG_DIR;
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), APP_TITLE, 'logs');
  if (platform === 'darwin') return path.join(home, 'Library', 'Logs', APP_TITLE);
  return path.join(env.XDG_STATE_HOME ?? path.join(home, '.local', 'state'), APP, 'logs');
}

export function defaultWorkspaceDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return path.join(userDataDir(env, platform), 'workspace');
}
