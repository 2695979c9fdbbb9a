// Electron main process: one locked-down window, the engine host in a utility process, and a
// relay between them. Everything else lives in the engine and the renderer.
import { app, BrowserWindow, ipcMain, session, utilityProcess, shell, type UtilityProcess } from 'electron';
import path from 'node:path';

const CHANNEL_TO_HOST = 'studio:rpc';
const CHANNEL_TO_WINDOW = 'studio:msg';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
].join('; ');

let host: UtilityProcess | null = null;
let win: BrowserWindow | null = null;

function startHost(): UtilityProcess {
  const entry = path.join(__dirname, '..', 'engine', 'host-utility.js');
  const child = utilityProcess.fork(entry, [], { serviceName: 'Strategy Studio host', stdio: 'inherit' });
  child.on('message', (msg: unknown) => win?.webContents.send(CHANNEL_TO_WINDOW, msg));
  child.on('exit', (code) => {
    host = null;
    win?.webContents.send(CHANNEL_TO_WINDOW, { t: 'evt', name: 'log', payload: { level: 'error', message: `host exited (${code}); restarting` } });
    if (!app.isReady() || !win) return;
    host = startHost();
  });
  return child;
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Strategy Studio',
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  // Links open in the system browser; the window never navigates away from the app.
  win.webContents.setWindowOpenHandler(({ url }) => {
    void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  void win.loadFile(path.join(__dirname, '..', 'renderer', 'index.html'));
}

app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  host = startHost();
  ipcMain.on(CHANNEL_TO_HOST, (e, msg: unknown) => {
    if (e.senderFrame?.url && !e.senderFrame.url.startsWith('file://')) return;
    host?.postMessage(msg);
  });
  createWindow();
});

app.on('window-all-closed', () => {
  host?.kill();
  app.quit();
});
