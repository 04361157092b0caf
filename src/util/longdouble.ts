/**
 * x87 80-bit `long double` arithmetic, exactly as INCRBYFLOAT (and
 * HINCRBYFLOAT) see it in Redis on x86-64: strtold() parsing, one rounded
 * addition, and printf("%.17Lf") with trailing zeros trimmed.
 *
 * A double cannot stand in for it: Redis replies `8001.10000000000000009`
 * to `SET k 8000; INCRBYFLOAT k 1.1` because 8001.1 rounded to a 64-bit
 * mantissa is printed with 17 exact decimals. So values here are exact
 * binary numbers `m * 2^e` held in BigInts (m < 2^64), rounded to nearest,
 * ties to even, with the x87 extended exponent range (denormals down to
 * 2^-16445, overflow at 2^16384).
 *
 *   const a = parseLongDouble('8000'), b = parseLongDouble('1.1');
 *   formatLongDoubleHuman(addLongDouble(a!, b!)!)   // '8001.10000000000000009'
 */

/** A finite long double: (-1)^neg * m * 2^e, m < 2^64 (m = 0 for zero). */
export interface LongDouble {
  neg: boolean;
  m: bigint;
  e: number;
}

/** Parsed value: a finite number, or an infinity (`inf` is valid input to strtold). */
export type ParsedLongDouble = LongDouble | { inf: true; neg: boolean };

const MANT_BITS = 64;
const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;
/** Exponent of the least significant mantissa bit of the smallest denormal. */
const EMIN = -16445;
/** Largest exponent e with m * 2^e finite (m < 2^64): values below 2^16384. */
const EMAX = 16384 - MANT_BITS;
/** Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are refused before strtold. */
const MAX_CHARS = 5 * 1024;

const DEC_RE = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/**
 * Rounds (-1)^neg * p/q * 2^e2 (p, q > 0) to a long double: null on
 * overflow (infinite), m = 0 when it underflows to zero.
 */
function round(neg: boolean, p: bigint, q: bigint, e2: number): LongDouble | null {
  // p/q lies in [2^(bp-bq-1), 2^(bp-bq+1)); choose s so that p*2^s/q lands in [2^63, 2^64).
  let s = MANT_BITS - (bitLength(p) - bitLength(q));
  let t: bigint;
  for (;;) {
    t = s >= 0 ? (p << BigInt(s)) / q : p / (q << BigInt(-s));
    if (t >= TWO64) s--;
    else if (t < TWO63) s++;
    else break;
  }
  if (e2 - s < EMIN) s = e2 - EMIN; // denormal: fewer mantissa bits
  const num = s >= 0 ? p << BigInt(s) : p;
  const den = s >= 0 ? q : q << BigInt(-s);
  t = num / den;
  const twiceRem = (num - t * den) * 2n;
  if (twiceRem > den || (twiceRem === den && (t & 1n) === 1n)) t++;
  let e = e2 - s;
  if (t === TWO64) {
    t = TWO63;
    e++;
  }
  if (e > EMAX) return null;
  return { neg, m: t, e };
}

/**
 * strtold() over the whole string, with Redis's string2ld checks: no leading
 * space, nothing left over, not NaN, no overflow, no underflow to zero.
 * Returns null when Redis would reply "value is not a valid float".
 */
export function parseLongDouble(s: string): ParsedLongDouble | null {
  if (s.length === 0 || s.length >= MAX_CHARS) return null;
  let mt = DEC_RE.exec(s);
  if (mt !== null) {
    const neg = mt[1] === '-';
    const intPart = mt[2] ?? '';
    const frac = mt[3] ?? mt[4] ?? '';
    let digits = (intPart + frac).replace(/^0+/, '');
    if (digits.length === 0) return { neg, m: 0n, e: 0 };
    let exp10 = (mt[5] === undefined ? 0 : Number(mt[5])) - frac.length;
    // Trailing zeros only move the decimal exponent.
    const trimmed = digits.replace(/0+$/, '');
    exp10 += digits.length - trimmed.length;
    digits = trimmed;
    const magnitude = digits.length + exp10; // value < 10^magnitude
    if (magnitude > 4934) return null; // overflow: ERANGE
    if (magnitude < -4952) return null; // underflow to zero: ERANGE
    const n = BigInt(digits);
    const r = exp10 >= 0 ? round(neg, n * 10n ** BigInt(exp10), 1n, 0) : round(neg, n, 10n ** BigInt(-exp10), 0);
    return r === null || r.m === 0n ? null : r;
  }
  mt = HEX_RE.exec(s);
  if (mt !== null) {
    const neg = mt[1] === '-';
    const frac = mt[3] ?? mt[4] ?? '';
    const hex = ((mt[2] ?? '') + frac).replace(/^0+/, '');
    if (hex.length === 0) return { neg, m: 0n, e: 0 };
    const exp2 = (mt[5] === undefined ? 0 : Number(mt[5])) - 4 * frac.length;
    const n = BigInt('0x' + hex);
    const magnitude = bitLength(n) + exp2;
    if (magnitude > 16385) return null;
    if (magnitude < EMIN - 2) return null;
    const r = round(neg, n, 1n, exp2);
    return r === null || r.m === 0n ? null : r;
  }
  mt = INF_RE.exec(s);
  if (mt !== null) return { inf: true, neg: mt[1] === '-' };
  return null;
}

/**
 * The nearest double (rounded from the 64-bit mantissa, so possibly twice):
 * enough where Redis only compares or scales the value (blocking timeouts).
 * Beyond the double range it is +-Infinity or 0.
 */
export function longDoubleToNumber(v: ParsedLongDouble): number {
  if ('inf' in v) return v.neg ? -Infinity : Infinity;
  let x = Number(v.m);
  let e = v.e;
  // Scale in steps so intermediate powers of two stay finite.
  while (e > 0 && x !== Infinity) {
    const step = Math.min(e, 1000);
    x *= 2 ** step;
    e -= step;
  }
  while (e < 0 && x !== 0) {
    const step = Math.max(e, -1000);
    x *= 2 ** step;
    e -= step;
  }
  return v.neg ? -x : x;
}

/** a + b rounded once to a long double; null when the sum is infinite. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.m === 0n) return b.m === 0n ? { neg: a.neg && b.neg, m: 0n, e: 0 } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const va = a.m << BigInt(a.e - e);
  const vb = b.m << BigInt(b.e - e);
  const sum = (a.neg ? -va : va) + (b.neg ? -vb : vb);
  if (sum === 0n) return { neg: false, m: 0n, e: 0 };
  const neg = sum < 0n;
  return round(neg, neg ? -sum : sum, 1n, e);
}

const TEN17 = 10n ** 17n;

/**
 * printf("%.17Lf") with trailing zeros (and a trailing '.') removed, and
 * "-0" written as "0": Redis's ld2string(..., LD_STR_HUMAN).
 */
export function formatLongDoubleHuman(v: LongDouble): string {
  let out: string;
  if (v.e >= 0) {
    out = (v.m << BigInt(v.e)).toString();
  } else {
    const k = BigInt(-v.e);
    const scaled = v.m * TEN17;
    let q = scaled >> k;
    const rem = scaled - (q << k);
    const half = 1n << (k - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
    const ip = (q / TEN17).toString();
    const fp = (q % TEN17).toString().padStart(17, '0').replace(/0+$/, '');
    out = fp.length > 0 ? ip + '.' + fp : ip;
  }
  if (v.neg && out !== '0') out = '-' + out;
  return out;
}
