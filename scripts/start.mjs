// `npm start`: the desktop app where Electron's binary is installed, otherwise browser mode
// (`studio serve`, printing the URL and opening it in the default browser when there is one).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    // electron's index.js throws when the binary was never downloaded.
    const p = require('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
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
