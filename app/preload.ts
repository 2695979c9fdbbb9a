// The only bridge between the window and the app: send a contract message, receive contract
// messages. No other channel and no Node API reach the page.
import { contextBridge, ipcRenderer } from 'electron';

contextBridge.exposeInMainWorld('studioBridge', {
  send(msg: unknown): void {
    ipcRenderer.send('studio:rpc', msg);
  },
  onMessage(cb: (msg: unknown) => void): void {
    ipcRenderer.on('studio:msg', (_e, msg: unknown) => cb(msg));
  },
});
