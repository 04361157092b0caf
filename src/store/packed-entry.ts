/**
 * The packed entry format of a small hash's listpack string (./hash.ts) and
 * of the list chunks (./list-chunk.ts): an entry is a length header followed
 * by its bytes, in one latin1 string.
 *
 *   length < 128:  1 char, the length itself            (0xxxxxxx)
 *   otherwise:     4 chars, big-endian 31-bit length    (1xxxxxxx + 3 bytes)
 *
 *   header(2) + 'xy'   // "\x02xy"
 */

/** The header of an entry of `len` bytes. */
export function header(len: number): string {
  if (len < 128) return String.fromCharCode(len);
  return String.fromCharCode(0x80 | (len >>> 24), (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
}

/** The length of the entry whose header starts at p. */
export function lenAt(s: string, p: number): number {
  const c = s.charCodeAt(p);
  if (c < 128) return c;
  return ((c & 0x7f) << 24) | (s.charCodeAt(p + 1) << 16) | (s.charCodeAt(p + 2) << 8) | s.charCodeAt(p + 3);
}

/** The size of the header at p (1 or 4). */
export function hdrAt(s: string, p: number): number {
  return s.charCodeAt(p) < 128 ? 1 : 4;
}

let flatSink = 0;
/**
 * A concatenation is a V8 cons string (a tree of pieces); converting it to a
 * number flattens it into one sequential string (the GC then drops the cons
 * shell), so a packed string stays a single heap object.
 */
export function flat(s: string): string {
  flatSink ^= Number(s) | 0;
  return s;
}
