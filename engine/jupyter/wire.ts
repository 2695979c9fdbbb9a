// The Jupyter wire format (messaging protocol v5.3): ZeroMQ routing ids, the `<IDS|MSG>`
// delimiter, an HMAC-SHA256 signature over header, parent header, metadata and content, then
// the four JSON frames and any binary buffers. A message that is unsigned or wrongly signed
// never gets past `decode`.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const PROTOCOL_VERSION = '5.3';
const DELIMITER = Buffer.from('<IDS|MSG>');

export const Header = z.object({
  msg_id: z.string(),
  msg_type: z.string(),
  session: z.string(),
  username: z.string().default(''),
  date: z.string().optional(),
  version: z.string().optional(),
});
export type Header = z.infer<typeof Header>;

export interface Message {
  /** ZeroMQ routing ids of the sender (ROUTER sockets), echoed on replies. */
  ids: Buffer[];
  header: Header;
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

export class WireError extends Error {}

export interface Signer {
  /** An empty key disables signing, as the protocol allows. */
  readonly enabled: boolean;
  sign(frames: Buffer[]): string;
}

export function createSigner(key: string, scheme = 'hmac-sha256'): Signer {
  if (scheme !== 'hmac-sha256') throw new WireError(`unsupported signature scheme "${scheme}" (this kernel signs with hmac-sha256)`);
  return {
    enabled: key.length > 0,
    sign(frames) {
      const h = createHmac('sha256', key);
      for (const f of frames) h.update(f);
      return h.digest('hex');
    },
  };
}

const objectFrame = (b: Buffer, what: string): Record<string, unknown> => {
  let v: unknown;
  try {
    v = JSON.parse(b.toString('utf8'));
  } catch {
    throw new WireError(`${what} is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new WireError(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
};

/** Parses and authenticates one multipart message; throws WireError on anything malformed or badly signed. */
export function decode(frames: Buffer[], signer: Signer): Message {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new WireError('no <IDS|MSG> delimiter');
  if (frames.length < at + 6) throw new WireError('fewer than the five frames after the delimiter');
  const ids = frames.slice(0, at);
  const signature = frames[at + 1].toString('ascii');
  const parts = frames.slice(at + 2, at + 6);
  if (signer.enabled) {
    if (!signature) throw new WireError('unsigned message');
    const expected = Buffer.from(signer.sign(parts), 'ascii');
    const got = Buffer.from(signature, 'ascii');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new WireError('bad signature');
  }
  const header = Header.safeParse(objectFrame(parts[0], 'header'));
  if (!header.success) throw new WireError(`header: ${header.error.issues[0]?.message ?? 'invalid'}`);
  const parent = objectFrame(parts[1], 'parent header');
  return {
    ids,
    header: header.data,
    parent_header: Object.keys(parent).length ? (Header.safeParse(parent).data ?? {}) : {},
    metadata: objectFrame(parts[2], 'metadata'),
    content: objectFrame(parts[3], 'content'),
    buffers: frames.slice(at + 6),
  };
}

export function newHeader(msgType: string, session: string): Header {
  return { msg_id: randomUUID(), msg_type: msgType, session, username: 'kernel', date: new Date().toISOString(), version: PROTOCOL_VERSION };
}

/** Serializes and signs a message for sending. */
export function encode(
  msg: { ids?: Buffer[]; header: Header; parent_header: Header | Record<string, never>; metadata?: Record<string, unknown>; content: Record<string, unknown>; buffers?: Buffer[] },
  signer: Signer,
): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata ?? {}, msg.content].map((o) => Buffer.from(JSON.stringify(o), 'utf8'));
  const signature = signer.enabled ? signer.sign(parts) : '';
  return [...(msg.ids ?? []), DELIMITER, Buffer.from(signature, 'ascii'), ...parts, ...(msg.buffers ?? [])];
}

/** Jupyter counts cursor positions in Unicode code points; JavaScript strings in UTF-16 units. */
export function codePointsToUtf16(text: string, codePoints: number): number {
  let units = 0;
  let points = 0;
  for (const ch of text) {
    if (points >= codePoints) break;
    units += ch.length;
    points++;
  }
  return units;
}

export function utf16ToCodePoints(text: string, units: number): number {
  return [...text.slice(0, units)].length;
}
