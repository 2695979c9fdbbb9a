// The kernel's logos for Jupyter's launcher: a rising price line on a dark tile, drawn in code
// (a tiny PNG encoder) so the kernelspec needs no binary files in the repository.
import { deflateSync } from 'node:zlib';

const POINTS: [number, number][] = [[0.14, 0.74], [0.34, 0.52], [0.5, 0.62], [0.7, 0.32], [0.86, 0.22]];
const BG = [0x12, 0x2b, 0x4a];
const LINE = [0x4c, 0xd9, 0x8a];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function distanceToSegment(px: number, py: number, [ax, ay]: [number, number], [bx, by]: [number, number]): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

export function logoPng(size: number): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const half = 0.045;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const px = (x + 0.5) / size;
      const py = (y + 0.5) / size;
      let d = Infinity;
      for (let i = 1; i < POINTS.length; i++) d = Math.min(d, distanceToSegment(px, py, POINTS[i - 1], POINTS[i]));
      // Anti-aliased edge: blend over about one pixel.
      const a = Math.max(0, Math.min(1, (half - d) * size + 0.5));
      const o = y * (size * 4 + 1) + 1 + x * 4;
      for (let c = 0; c < 3; c++) raw[o + c] = Math.round(BG[c] * (1 - a) + LINE[c] * a);
      raw[o + 3] = 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export function logoSvg(): string {
  const hex = (c: number[]) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
  const pts = POINTS.map(([x, y]) => `${(x * 64).toFixed(1)},${(y * 64).toFixed(1)}`).join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64"><rect width="64" height="64" rx="8" fill="${hex(BG)}"/><polyline points="${pts}" fill="none" stroke="${hex(LINE)}" stroke-width="5.8" stroke-linecap="round" stroke-linejoin="round"/></svg>\n`;
}
