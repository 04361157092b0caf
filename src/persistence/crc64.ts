/**
 * CRC-64/Jones as Redis computes it (crc64.c): reflected input and output,
 * polynomial 0xad93d23594c935a9, initial value 0, no final xor. It seals
 * every RDB file (the 8 bytes after EOF) and every DUMP payload.
 *
 * The 64-bit register is kept as two uint32 halves so no BigInt is needed
 * on the hot path, and the bytes are folded eight at a time
 * (slicing-by-8): eight 256-entry tables per half, built once.
 *
 *   crc64(0n, Buffer.from('123456789'));   // 0xe9c6d914c4b8d9can
 *   let c = crc64Init(); c = crc64Update(c, part1); c = crc64Update(c, part2);
 *   crc64Digest(c);                         // the same bigint as in one go
 */

/** The reflected polynomial (bit-reversed 0xad93d23594c935a9), as halves. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

/** T_LO[k * 256 + b], T_HI[...]: table k of slicing-by-8, low and high halves. */
const T_LO = new Uint32Array(8 * 256);
const T_HI = new Uint32Array(8 * 256);

(function buildTables(): void {
  for (let b = 0; b < 256; b++) {
    let lo = b;
    let hi = 0;
    for (let i = 0; i < 8; i++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    T_LO[b] = lo;
    T_HI[b] = hi;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const plo = T_LO[(k - 1) * 256 + b];
      const phi = T_HI[(k - 1) * 256 + b];
      const idx = plo & 0xff;
      T_LO[k * 256 + b] = (((plo >>> 8) | (phi << 24)) ^ T_LO[idx]) >>> 0;
      T_HI[k * 256 + b] = ((phi >>> 8) ^ T_HI[idx]) >>> 0;
    }
  }
})();

/** A running CRC: [low 32 bits, high 32 bits]. */
export type Crc64State = [number, number];

export function crc64Init(seed = 0n): Crc64State {
  return [Number(seed & 0xffffffffn), Number((seed >> 32n) & 0xffffffffn)];
}

/** Folds buf[start..end) into the running CRC and returns it (the same array). */
export function crc64Update(state: Crc64State, buf: Uint8Array, start = 0, end = buf.length): Crc64State {
  let lo = state[0];
  let hi = state[1];
  let i = start;
  const fast = end - ((end - i) & 7);
  while (i < fast) {
    const a = lo ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    const b = hi ^ (buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24));
    lo =
      T_LO[1792 + (a & 0xff)] ^
      T_LO[1536 + ((a >>> 8) & 0xff)] ^
      T_LO[1280 + ((a >>> 16) & 0xff)] ^
      T_LO[1024 + (a >>> 24)] ^
      T_LO[768 + (b & 0xff)] ^
      T_LO[512 + ((b >>> 8) & 0xff)] ^
      T_LO[256 + ((b >>> 16) & 0xff)] ^
      T_LO[b >>> 24];
    hi =
      T_HI[1792 + (a & 0xff)] ^
      T_HI[1536 + ((a >>> 8) & 0xff)] ^
      T_HI[1280 + ((a >>> 16) & 0xff)] ^
      T_HI[1024 + (a >>> 24)] ^
      T_HI[768 + (b & 0xff)] ^
      T_HI[512 + ((b >>> 8) & 0xff)] ^
      T_HI[256 + ((b >>> 16) & 0xff)] ^
      T_HI[b >>> 24];
    i += 8;
  }
  for (; i < end; i++) {
    const idx = (lo ^ buf[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ T_LO[idx];
    hi = (hi >>> 8) ^ T_HI[idx];
  }
  state[0] = lo >>> 0;
  state[1] = hi >>> 0;
  return state;
}

/** The CRC as a bigint. */
export function crc64Digest(state: Crc64State): bigint {
  return (BigInt(state[1] >>> 0) << 32n) | BigInt(state[0] >>> 0);
}

/** The CRC as the 8 little-endian bytes Redis writes after EOF and in DUMP. */
export function crc64Bytes(state: Crc64State): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeUInt32LE(state[0] >>> 0, 0);
  out.writeUInt32LE(state[1] >>> 0, 4);
  return out;
}

/** crc64(seed, buf) in one go, as Redis's crc64(). */
export function crc64(seed: bigint, buf: Uint8Array): bigint {
  return crc64Digest(crc64Update(crc64Init(seed), buf));
}
