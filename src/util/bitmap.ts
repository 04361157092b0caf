/**
 * Bit-level operations on latin1 strings (one char per byte, bit 0 is the
 * most significant bit of byte 0, as in Redis's bitops.c): population count,
 * first set/clear bit, and BITFIELD's integer fields with their overflow
 * rules (WRAP / SAT / FAIL), computed with 64-bit two's complement the way
 * the C code does it, quirks included.
 *
 *   countBits('foobar', 0, 5)          // 26
 *   findBit('\xff\xf0', 0, 0, 15)      // 12
 */

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/** Number of set bits in bit positions [startBit, endBit] of s (both inside s). */
export function countBits(s: string, startBit: number, endBit: number): number {
  const first = Math.floor(startBit / 8);
  const last = Math.floor(endBit / 8);
  let n = 0;
  for (let i = first; i <= last; i++) n += POPCOUNT[s.charCodeAt(i)];
  // Remove the bits of the edge bytes that lie outside the range.
  const headBits = startBit - first * 8; // bits before startBit in the first byte
  if (headBits > 0) n -= POPCOUNT[s.charCodeAt(first) & (0xff << (8 - headBits)) & 0xff];
  const tailBits = 7 - (endBit - last * 8); // bits after endBit in the last byte
  if (tailBits > 0) n -= POPCOUNT[s.charCodeAt(last) & ((1 << tailBits) - 1)];
  return n;
}

/** Position of the first bit equal to `bit` in [startBit, endBit] of s, or -1. */
export function findBit(s: string, bit: 0 | 1, startBit: number, endBit: number): number {
  const skip = bit === 1 ? 0x00 : 0xff; // a byte with no bit of interest
  let pos = startBit;
  while (pos <= endBit) {
    const byteIdx = Math.floor(pos / 8);
    const byte = s.charCodeAt(byteIdx);
    if (pos % 8 === 0 && pos + 7 <= endBit && byte === skip) {
      pos += 8;
      continue;
    }
    if (((byte >> (7 - (pos % 8))) & 1) === bit) return pos;
    pos++;
  }
  return -1;
}

// ---- BITFIELD integers ----------------------------------------------------

export const enum Overflow {
  Wrap = 0,
  Sat = 1,
  Fail = 2,
}

/** Reads `bits` bits at bit `offset` as an unsigned integer; bytes past the end read as 0. */
export function readUnsigned(buf: Uint8Array | string, offset: number, bits: number): bigint {
  const isStr = typeof buf === 'string';
  let v = 0n;
  for (let j = 0; j < bits; j++) {
    const o = offset + j;
    const idx = Math.floor(o / 8);
    const byte = idx < buf.length ? (isStr ? (buf as string).charCodeAt(idx) : (buf as Uint8Array)[idx]) : 0;
    v = (v << 1n) | BigInt((byte >> (7 - (o % 8))) & 1);
  }
  return v;
}

/** Reads `bits` bits at bit `offset` as a two's complement signed integer. */
export function readSigned(buf: Uint8Array | string, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, readUnsigned(buf, offset, bits));
}

/** Writes the low `bits` bits of v at bit `offset` (the buffer must be long enough). */
export function writeBits(buf: Uint8Array, offset: number, bits: number, v: bigint): void {
  let u = BigInt.asUintN(bits, v);
  for (let j = bits - 1; j >= 0; j--) {
    const o = offset + j;
    const idx = Math.floor(o / 8);
    const mask = 1 << (7 - (o % 8));
    if (u & 1n) buf[idx] |= mask;
    else buf[idx] &= ~mask & 0xff;
    u >>= 1n;
  }
}

const i64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/**
 * checkUnsignedBitfieldOverflow: value is the current (or SET) value as a
 * uint64, incr an int64. Returns [overflow direction (0, 1, -1), the value
 * to store under WRAP/SAT].
 */
export function unsignedOverflow(value: bigint, incr: bigint, bits: number, ow: Overflow): [number, bigint] {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = i64(max - value);
  const minincr = i64(-value);
  const wrapped = (): bigint => u64(value + incr) & max;
  if (value > max || (incr > 0n && incr > maxincr)) {
    return [1, ow === Overflow.Wrap ? wrapped() : max];
  }
  if (incr < 0n && incr < minincr) {
    return [-1, ow === Overflow.Wrap ? wrapped() : 0n];
  }
  return [0, 0n];
}

/** checkSignedBitfieldOverflow, with the same int64 wrap-arounds as the C code. */
export function signedOverflow(value: bigint, incr: bigint, bits: number, ow: Overflow): [number, bigint] {
  const max = bits === 64 ? (1n << 63n) - 1n : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = i64(u64(max) - u64(value));
  const minincr = i64(min - value);
  const wrapped = (): bigint => BigInt.asIntN(bits, u64(value + incr));
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return [1, ow === Overflow.Wrap ? wrapped() : max];
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return [-1, ow === Overflow.Wrap ? wrapped() : min];
  }
  return [0, 0n];
}
