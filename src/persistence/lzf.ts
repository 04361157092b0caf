/**
 * LZF (liblzf 3.x, as vendored by Redis): the compression RDB files use for
 * strings longer than 20 bytes when rdbcompression is yes.
 *
 * Stream format, a sequence of:
 *   000LLLLL <L+1 literal bytes>
 *   LLLooooo oooooooo              back reference of L+2 bytes (L 1..6)
 *   111ooooo LLLLLLLL oooooooo     back reference of L+9 bytes
 * where the reference starts (o + 1) bytes before the current output end.
 *
 * The compressor follows liblzf 3.6 as Redis builds it (HLOG 16, VERY_FAST,
 * hash slots holding offsets, the same hash and match rules) so its output
 * is the bytes Redis writes, and a DUMP of a long string matches Redis's
 * byte for byte. One more detail matters for that: Redis's hash table is an
 * uninitialized stack array (INIT_HTAB 0), so it starts as zeros and then
 * keeps the offsets of the previous compression, which are read as
 * positions in the next input (still checked: before the current position,
 * within reach, same three bytes). The table here is kept between calls
 * the same way, so the same sequence of compressions gives the same bytes.
 *
 *   const c = lzfCompress(buf, buf.length - 4);   // null when it does not shrink enough
 *   lzfDecompress(c!, buf.length);                // buf again
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/** A compressor's hash table: offsets of earlier 3-byte sequences. */
export type LzfTable = Uint32Array;

export function newLzfTable(): LzfTable {
  return new Uint32Array(HSIZE);
}

/** The table kept between calls (see above), as Redis's main process has one. */
const sharedTable = newLzfTable();

function idx(h: number): number {
  return ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * Compresses src into at most maxOut bytes. Returns null when the result
 * would not fit (Redis then stores the string uncompressed). `tab` is the
 * hash table to use and leave behind (the shared one by default).
 */
export function lzfCompress(src: Uint8Array, maxOut: number, tab: LzfTable = sharedTable): Buffer | null {
  const inLen = src.length;
  if (inLen === 0 || maxOut <= 0) return null;
  const out = Buffer.allocUnsafe(maxOut);
  const outEnd = maxOut;
  const inEnd = inLen;
  let ip = 0;
  let op = 1; // a literal run starts: its control byte is out[op - lit - 1]
  let lit = 0;
  let hval = inLen > 1 ? (src[0] << 8) | src[1] : src[0] << 8;

  while (ip < inEnd - 2) {
    hval = ((hval << 8) | src[ip + 2]) >>> 0;
    const slot = idx(hval);
    const ref = tab[slot];
    tab[slot] = ip;
    const off = ip - ref - 1; // negative (huge as size_t) when ref is not before ip
    if (
      off >= 0 &&
      off < MAX_OFF &&
      ref > 0 &&
      src[ref] === src[ip] &&
      src[ref + 1] === src[ip + 1] &&
      src[ref + 2] === src[ip + 2]
    ) {
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      out[op - lit - 1] = lit - 1; // close the literal run
      if (lit === 0) op--; // an empty run is dropped
      if (op + 3 + 1 >= outEnd) return null;
      // liblzf first compares 16 more bytes without looking at maxlen (they
      // are always inside the input), so a match may end up to two bytes
      // past maxlen: the exact same lengths keep the output identical.
      let mismatch = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (src[ref + len] !== src[ip + len]) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do len++;
        while (len < maxlen && src[ref + len] === src[ip + len]);
      }
      len -= 2; // octets - 1
      ip++;
      if (len < 7) {
        out[op++] = (off >> 8) + (len << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++;
      ip += len + 1;
      if (ip >= inEnd - 2) break;
      // Hash the two positions before ip, as liblzf's VERY_FAST mode does.
      ip -= 2;
      hval = (src[ip] << 8) | src[ip + 1];
      hval = ((hval << 8) | src[ip + 2]) >>> 0;
      tab[idx(hval)] = ip;
      ip++;
      hval = ((hval << 8) | src[ip + 2]) >>> 0;
      tab[idx(hval)] = ip;
      ip++;
    } else {
      if (op >= outEnd) return null;
      lit++;
      out[op++] = src[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outEnd) return null;
  while (ip < inEnd) {
    lit++;
    out[op++] = src[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  return out.subarray(0, op);
}

/**
 * Decompresses src into exactly outLen bytes. Returns null when the stream
 * is corrupt (a reference before the start, a run past either end) or does
 * not produce exactly outLen bytes.
 */
export function lzfDecompress(src: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  const inEnd = src.length;
  let ip = 0;
  let op = 0;
  while (ip < inEnd) {
    const ctrl = src[ip++];
    if (ctrl < 32) {
      const n = ctrl + 1;
      if (op + n > outLen || ip + n > inEnd) return null;
      for (let k = 0; k < n; k++) out[op++] = src[ip++];
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= inEnd) return null;
        len += src[ip++];
      }
      if (ip >= inEnd) return null;
      const ref = op - ((ctrl & 0x1f) << 8) - src[ip++] - 1;
      len += 2;
      if (ref < 0 || op + len > outLen) return null;
      // Byte by byte: the reference may overlap the bytes being written.
      for (let k = 0; k < len; k++) out[op++] = out[ref + k];
    }
  }
  return op === outLen ? out : null;
}
