// Crash-safe file writes shared by every writer in the engine (notebooks, settings, the lake).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

/** Atomic write: temp file in the same folder, fsync, rename. A crash leaves the old file whole. */
export function writeFileAtomic(file: string, text: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(3).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    if (typeof text === 'string') fs.writeSync(fd, text);
    else fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
