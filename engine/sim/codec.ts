// Frame encoding for the simulator's WebSockets: JSON text or MessagePack, chosen per connection
// by the upgrade's Content-Type as Alpaca does. Times travel as `WireTime` so msgpack frames carry
// the timestamp extension (ext -1, nanoseconds kept) and JSON frames carry RFC-3339 strings.

import type { IncomingMessage } from 'node:http';
import {
  EXT_TIMESTAMP, ExtensionCodec, decode, decodeTimestampExtension, encode, encodeTimeSpecToTimestamp,
  encodeTimestampExtension,
} from '@msgpack/msgpack';
import { rfc3339Nano, rfc3339Seconds } from './time';

export type Codec = 'json' | 'msgpack';

export class WireTime {
  constructor(readonly ms: number, readonly style: 'nano' | 'seconds' = 'nano', readonly subMsNanos = 0) {}

  toJSON(): string {
    return this.style === 'seconds' ? rfc3339Seconds(this.ms) : rfc3339Nano(this.ms, this.subMsNanos);
  }
}

const extensions = new ExtensionCodec();
extensions.register({
  type: EXT_TIMESTAMP,
  encode: (value: unknown) => {
    if (value instanceof WireTime) {
      const sec = Math.floor(value.ms / 1000);
      const nsec = (value.ms - sec * 1000) * 1_000_000 + value.subMsNanos;
      return encodeTimeSpecToTimestamp({ sec, nsec });
    }
    return encodeTimestampExtension(value);
  },
  decode: (data: Uint8Array) => decodeTimestampExtension(data),
});

export function codecOf(req: IncomingMessage): Codec {
  const ct = String(req.headers['content-type'] ?? '').toLowerCase();
  return ct.includes('msgpack') ? 'msgpack' : 'json';
}

export function encodeFrame(codec: Codec, payload: unknown): Buffer | string {
  if (codec === 'msgpack') {
    const bytes = encode(payload, { extensionCodec: extensions, ignoreUndefined: true });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return JSON.stringify(payload);
}

/** Decodes a client frame; clients may send text JSON or binary msgpack whatever they asked for. */
export function decodeFrame(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): unknown {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (!isBinary) return JSON.parse(buf.toString('utf8'));
  const first = buf[0];
  // Binary frames holding JSON text start with `{` or `[`; msgpack maps/arrays never do.
  if (first === 0x7b || first === 0x5b) return JSON.parse(buf.toString('utf8'));
  return decode(buf, { extensionCodec: extensions });
}
