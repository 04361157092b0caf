/**
 * Number parsing and formatting with Redis's exact rules.
 *
 * - parseInt64: string2ll. Canonical decimal only: no '+', no spaces, no
 *   leading zeros, "-0" refused; range -2^63 .. 2^63-1. Returns a number
 *   (exact up to 2^53; beyond that, use parseBigInt64 where exactness matters).
 * - parseDouble: strtod as getDoubleFromObject uses it: decimal or exponent
 *   form, `inf`/`-inf`/`infinity`, no spaces, NaN refused.
 * - formatDouble: printf("%.17g"), the form Redis 7.0 replies with for
 *   scores and RESP3 doubles (`inf`, `-inf`, `1.1000000000000001`).
 * - formatLongDouble: the "human" form INCRBYFLOAT / HINCRBYFLOAT use: the
 *   shortest decimal that reads back as the same double, never exponent form.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isCanonicalInt(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45 /* - */) {
    if (n === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48 /* 0 */) return n === 1; // "0" only; "-0", "01" refused
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** string2ll: the value, or null when s is not a canonical 64-bit integer. */
export function parseInt64(s: string): number | null {
  if (!isCanonicalInt(s)) return null;
  if (s.length < 16) return Number(s);
  const b = BigInt(s);
  if (b < INT64_MIN || b > INT64_MAX) return null;
  return Number(b);
}

/** string2ll with an exact result. */
export function parseBigInt64(s: string): bigint | null {
  if (!isCanonicalInt(s)) return null;
  const b = BigInt(s);
  if (b < INT64_MIN || b > INT64_MAX) return null;
  return b;
}

export function inInt64Range(b: bigint): boolean {
  return b >= INT64_MIN && b <= INT64_MAX;
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;

/** strtod over the whole string: the value, or null (NaN is refused too). */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  if (FLOAT_RE.test(s)) return Number(s);
  const m = INF_RE.exec(s);
  if (m) return m[1] === '-' ? -Infinity : Infinity;
  return null;
}

/** printf("%.17g", d) */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // toExponential gives the exact exponent after rounding to 17 digits.
  const [mant, e] = d.toExponential(16).split('e');
  const x = Number(e);
  if (x < -4 || x >= 17) {
    let m = mant;
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const sign = x < 0 ? '-' : '+';
    const ax = Math.abs(x);
    return `${m}e${sign}${ax < 10 ? '0' + ax : ax}`;
  }
  let f = d.toFixed(Math.max(0, 16 - x));
  if (f.includes('.')) f = f.replace(/0+$/, '').replace(/\.$/, '');
  return f;
}

/** The "human" long double form of INCRBYFLOAT: no exponent, no trailing zeros. */
export function formatLongDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Object.is(d, -0) || d === 0) return '0';
  let s = String(d);
  if (s.includes('e')) {
    // Expand exponent form into plain digits, as %.17Lf would.
    s = expandExponent(s);
  }
  return s;
}

function expandExponent(s: string): string {
  const neg = s.startsWith('-');
  if (neg) s = s.slice(1);
  const [mant, expStr] = s.split('e');
  const exp = Number(expStr);
  const [ip, fp = ''] = mant.split('.');
  const digits = ip + fp;
  const point = ip.length + exp;
  let out: string;
  if (point <= 0) {
    out = '0.' + '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    out = digits + '0'.repeat(point - digits.length);
  } else {
    out = digits.slice(0, point) + '.' + digits.slice(point);
  }
  return (neg ? '-' : '') + out;
}
