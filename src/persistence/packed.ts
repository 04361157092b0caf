/**
 * Decoders for the packed blobs older and current Redis versions store
 * inside RDB strings: ziplist, listpack, intset and zipmap. Each returns the
 * flat list of entries as latin1 strings (integers as their decimal form),
 * or throws PackedError when the blob is malformed (bounds are checked on
 * every read; a blob never reads outside itself).
 *
 *   ziplist  <zlbytes u32><zltail u32><zllen u16> entries... 0xFF
 *            entry = <prevlen 1|5> <encoding> <data>
 *   listpack <total u32><count u16> entries... 0xFF
 *            entry = <encoding> <data> <backlen 1..5>
 *   intset   <encoding u32: 2|4|8><length u32> <sorted ints, little endian>
 *   zipmap   <zmlen u8> (<len> key <len> <free u8> value <free bytes>)... 0xFF
 *
 *   listpackEntries(blob);   // ['a', '1', 'b', '2']
 */
import { latin1 } from '../util/latin1';

export class PackedError extends Error {}

function fail(what: string): never {
  throw new PackedError(what);
}

function need(buf: Buffer, pos: number, n: number, what: string): void {
  if (pos + n > buf.length || pos < 0) fail(`${what}: entry runs past the end`);
}

/** The entries of a ziplist (lists, zsets and hashes of RDB 2..9). */
export function ziplistEntries(buf: Buffer): string[] {
  if (buf.length < 11) fail('ziplist: too short');
  const zlbytes = buf.readUInt32LE(0);
  if (zlbytes !== buf.length) fail('ziplist: header size does not match');
  const out: string[] = [];
  let p = 10;
  for (;;) {
    need(buf, p, 1, 'ziplist');
    if (buf[p] === 0xff) break;
    // prevlen
    if (buf[p] === 0xfe) p += 5;
    else p += 1;
    need(buf, p, 1, 'ziplist');
    const enc = buf[p];
    const top = enc >> 6;
    if (top === 0) {
      const len = enc & 0x3f;
      p += 1;
      need(buf, p, len, 'ziplist');
      out.push(latin1(buf, p, p + len));
      p += len;
    } else if (top === 1) {
      need(buf, p, 2, 'ziplist');
      const len = ((enc & 0x3f) << 8) | buf[p + 1];
      p += 2;
      need(buf, p, len, 'ziplist');
      out.push(latin1(buf, p, p + len));
      p += len;
    } else if (top === 2) {
      need(buf, p, 5, 'ziplist');
      const len = buf.readUInt32BE(p + 1);
      p += 5;
      need(buf, p, len, 'ziplist');
      out.push(latin1(buf, p, p + len));
      p += len;
    } else {
      p += 1;
      if (enc === 0xc0) {
        need(buf, p, 2, 'ziplist');
        out.push(String(buf.readInt16LE(p)));
        p += 2;
      } else if (enc === 0xd0) {
        need(buf, p, 4, 'ziplist');
        out.push(String(buf.readInt32LE(p)));
        p += 4;
      } else if (enc === 0xe0) {
        need(buf, p, 8, 'ziplist');
        out.push(buf.readBigInt64LE(p).toString());
        p += 8;
      } else if (enc === 0xf0) {
        need(buf, p, 3, 'ziplist');
        out.push(String(buf.readIntLE(p, 3)));
        p += 3;
      } else if (enc === 0xfe) {
        need(buf, p, 1, 'ziplist');
        out.push(String(buf.readInt8(p)));
        p += 1;
      } else if (enc >= 0xf1 && enc <= 0xfd) {
        out.push(String((enc & 0x0f) - 1));
      } else {
        fail('ziplist: bad entry encoding');
      }
    }
  }
  if (p !== buf.length - 1) fail('ziplist: bytes after the end marker');
  const zllen = buf.readUInt16LE(8);
  if (zllen !== 0xffff && zllen !== out.length) fail('ziplist: entry count does not match');
  return out;
}

/** The size of a listpack entry's back-length field for an entry of l bytes. */
function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** The entries of a listpack (hashes, zsets and quicklist nodes of RDB 10). */
export function listpackEntries(buf: Buffer): string[] {
  if (buf.length < 7) fail('listpack: too short');
  if (buf.readUInt32LE(0) !== buf.length) fail('listpack: header size does not match');
  const out: string[] = [];
  let p = 6;
  for (;;) {
    need(buf, p, 1, 'listpack');
    const b = buf[p];
    if (b === 0xff) break;
    const entryStart = p;
    if (b < 0x80) {
      out.push(String(b));
      p += 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      p += 1;
      need(buf, p, len, 'listpack');
      out.push(latin1(buf, p, p + len));
      p += len;
    } else if ((b & 0xe0) === 0xc0) {
      need(buf, p, 2, 'listpack');
      let v = ((b & 0x1f) << 8) | buf[p + 1];
      if (v >= 1 << 12) v -= 1 << 13;
      out.push(String(v));
      p += 2;
    } else if ((b & 0xf0) === 0xe0) {
      need(buf, p, 2, 'listpack');
      const len = ((b & 0x0f) << 8) | buf[p + 1];
      p += 2;
      need(buf, p, len, 'listpack');
      out.push(latin1(buf, p, p + len));
      p += len;
    } else if (b === 0xf0) {
      need(buf, p, 5, 'listpack');
      const len = buf.readUInt32LE(p + 1);
      p += 5;
      need(buf, p, len, 'listpack');
      out.push(latin1(buf, p, p + len));
      p += len;
    } else if (b === 0xf1) {
      need(buf, p, 3, 'listpack');
      out.push(String(buf.readInt16LE(p + 1)));
      p += 3;
    } else if (b === 0xf2) {
      need(buf, p, 4, 'listpack');
      out.push(String(buf.readIntLE(p + 1, 3)));
      p += 4;
    } else if (b === 0xf3) {
      need(buf, p, 5, 'listpack');
      out.push(String(buf.readInt32LE(p + 1)));
      p += 5;
    } else if (b === 0xf4) {
      need(buf, p, 9, 'listpack');
      out.push(buf.readBigInt64LE(p + 1).toString());
      p += 9;
    } else {
      fail('listpack: bad entry encoding');
    }
    p += backlenSize(p - entryStart);
  }
  if (p !== buf.length - 1) fail('listpack: bytes after the end marker');
  const count = buf.readUInt16LE(4);
  if (count !== 0xffff && count !== out.length) fail('listpack: entry count does not match');
  return out;
}

/** The members of an intset, in their stored (ascending) order. */
export function intsetMembers(buf: Buffer): string[] {
  if (buf.length < 8) fail('intset: too short');
  const width = buf.readUInt32LE(0);
  const n = buf.readUInt32LE(4);
  if (width !== 2 && width !== 4 && width !== 8) fail('intset: bad encoding');
  if (8 + n * width !== buf.length) fail('intset: length does not match');
  const out = new Array<string>(n);
  for (let i = 0, p = 8; i < n; i++, p += width) {
    out[i] = width === 2 ? String(buf.readInt16LE(p)) : width === 4 ? String(buf.readInt32LE(p)) : buf.readBigInt64LE(p).toString();
  }
  return out;
}

/** The [field, value, ...] pairs of a zipmap (hashes of RDB 1..3). */
export function zipmapEntries(buf: Buffer): string[] {
  const out: string[] = [];
  let p = 1;
  const readLen = (): number => {
    need(buf, p, 1, 'zipmap');
    const b = buf[p];
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      need(buf, p, 5, 'zipmap');
      const v = buf.readUInt32LE(p + 1);
      p += 5;
      return v;
    }
    return -1; // end
  };
  for (;;) {
    const klen = readLen();
    if (klen < 0) break;
    need(buf, p, klen, 'zipmap');
    out.push(latin1(buf, p, p + klen));
    p += klen;
    const vlen = readLen();
    if (vlen < 0) fail('zipmap: key without a value');
    need(buf, p, 1, 'zipmap');
    const free = buf[p];
    p += 1;
    need(buf, p, vlen + free, 'zipmap');
    out.push(latin1(buf, p, p + vlen));
    p += vlen + free;
  }
  if (p !== buf.length - 1) fail('zipmap: bytes after the end marker');
  return out;
}
