import { pino } from 'pino';
import { Writable } from 'node:stream';

/** A logger that keeps its lines in memory, for assertions. */
export function memoryLogger() {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { log: pino({ level: 'debug' }, sink), lines };
}
