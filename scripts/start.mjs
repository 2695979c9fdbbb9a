// `npm start`: the desktop app where Electron's binary is installed, otherwise browser mode
// (`studio serve`, printing the URL and opening it in the default browser when there is one).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The Electron binary, if it was ever fetched. We read electron's own path.txt rather than
 * `require('electron')`, which since v45 starts a download when the binary is missing.
 */
function electronBinary() {
  try {
    const dir = path.dirname(require.resolve('electron/package.json'));
    const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const pathFile = path.join(dir, 'path.txt');
    const exe = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
    if (!exe) return null;
    const full = override ? path.join(override, exe) : path.join(dir, 'dist', exe);
    return existsSync(full) ? full : null;
  } catch {
    return null;
  }
}

const extra = process.argv.slice(2);
const bin = process.env.STUDIO_BROWSER_MODE ? null : electronBinary();
const child = bin
  ? spawn(bin, ['.', ...extra], { stdio: 'inherit' })
  : (console.log('Electron binary not installed here (run `npx install-electron` to fetch it); starting browser mode.'),
    spawn(process.execPath, ['bin/studio.js', 'serve', '--open', ...extra], { stdio: 'inherit' }));
const forward = (sig) => () => child.kill(sig);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 0));
