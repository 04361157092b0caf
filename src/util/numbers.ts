/**
 * Number parsing and formatting with Redis's exact rules.
 *
 * - parseInt64: string2ll. Canonical decimal only: no '+', no spaces, no
 *   leading zeros, "-0" refused; range -2^63 .. 2^63-1. Returns a number
 *   (exact up to 2^53; beyond that, use parseBigInt64 where exactness matters).
 * - strtod: C's strtod (glibc): the longest float prefix, with the end index
 *   and ERANGE left in strtodEnd() / strtodErange() (no allocation per
 *   parse). Decimal, hex floats (0x1p3), inf/infinity, nan. The callers below
 *   add the checks of the Redis function they stand for:
 *   - parseDouble: getDoubleFromObject (ZADD, ZINCRBY, WEIGHTS, RDB scores):
 *     the whole argument, no leading space, NaN refused, overflow and
 *     underflow to zero refused (1e400), subnormals kept.
 *   - parseDoubleToNul: SORT's numeric values (strtod up to the first NUL,
 *     `eptr[0] == '\0'`); strtodErange() then tells whether it set ERANGE.
 *   - zslParseRange (ZRANGEBYSCORE & co.) lives in commands/zset-common.ts:
 *     a `(` prefix, leading spaces and "" (0) accepted, 1e400 is inf.
 *   getLongDoubleFromObject (INCRBYFLOAT, HINCRBYFLOAT, blocking timeouts)
 *   is strtold with 64-bit mantissas: util/longdouble.ts parseLongDouble.
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

// ---- strtod ------------------------------------------------------------------

/** Results of the last strtod() call (no allocation per parse). */
let endIndex = 0;
let erange = false;

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

function isDigit(ch: number): boolean {
  return ch >= 48 && ch <= 57;
}

function hexVal(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  if (ch >= 97 && ch <= 102) return ch - 87;
  if (ch >= 65 && ch <= 70) return ch - 55;
  return -1;
}

function matchWord(s: string, i: number, word: string): boolean {
  if (i + word.length > s.length) return false;
  for (let k = 0; k < word.length; k++) {
    if ((s.charCodeAt(i + k) | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * C strtod on s (which must hold no NUL): returns the value; strtodEnd() is
 * then the index after the parsed text (0 when nothing was parsed) and
 * strtodErange() whether the result overflowed or underflowed to zero.
 */
export function strtod(s: string): number {
  endIndex = 0;
  erange = false;
  const n = s.length;
  let i = 0;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sign = s.charCodeAt(i);
  if (sign === 45 || sign === 43) {
    neg = sign === 45;
    i++;
  }
  if (matchWord(s, i, 'inf')) {
    i += 3;
    if (matchWord(s, i, 'inity')) i += 5;
    endIndex = i;
    return neg ? -Infinity : Infinity;
  }
  if (matchWord(s, i, 'nan')) {
    i += 3;
    if (s.charCodeAt(i) === 40 /* ( */) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_]/.test(s[j])) j++;
      if (s.charCodeAt(j) === 41 /* ) */) i = j + 1;
    }
    endIndex = i;
    return NaN;
  }
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 0x20) === 120 /* 0x */) {
    const v = hexFloat(s, i + 2, neg);
    if (v !== null) return v;
    // "0x" without hex digits: strtod reads just the "0".
    endIndex = i + 1;
    return neg ? -0 : 0;
  }
  const digitsStart = i;
  let sawDigit = false;
  let nonZero = false;
  while (i < n && isDigit(s.charCodeAt(i))) {
    sawDigit = true;
    if (s.charCodeAt(i) !== 48) nonZero = true;
    i++;
  }
  if (s.charCodeAt(i) === 46 /* . */) {
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) {
      sawDigit = true;
      if (s.charCodeAt(i) !== 48) nonZero = true;
      i++;
    }
  }
  if (!sawDigit) return 0;
  if ((s.charCodeAt(i) | 0x20) === 101 /* e */) {
    let j = i + 1;
    const es = s.charCodeAt(j);
    if (es === 43 || es === 45) j++;
    if (j < n && isDigit(s.charCodeAt(j))) {
      while (j < n && isDigit(s.charCodeAt(j))) j++;
      i = j;
    }
  }
  endIndex = i;
  const v = Number(s.slice(digitsStart, i));
  if (v === Infinity || (v === 0 && nonZero)) erange = true;
  return neg ? -v : v;
}

/** The hex float after "0x" at i, or null when no hex digit follows. */
function hexFloat(s: string, i: number, neg: boolean): number | null {
  const n = s.length;
  let mant = 0n;
  let digits = 0;
  let fracDigits = 0;
  while (i < n && hexVal(s.charCodeAt(i)) >= 0) {
    mant = mant * 16n + BigInt(hexVal(s.charCodeAt(i)));
    digits++;
    i++;
  }
  if (s.charCodeAt(i) === 46) {
    let j = i + 1;
    while (j < n && hexVal(s.charCodeAt(j)) >= 0) {
      mant = mant * 16n + BigInt(hexVal(s.charCodeAt(j)));
      digits++;
      fracDigits++;
      j++;
    }
    if (digits > 0) i = j;
  }
  if (digits === 0) return null;
  let exp = 0;
  if ((s.charCodeAt(i) | 0x20) === 112 /* p */) {
    let j = i + 1;
    let eneg = false;
    const es = s.charCodeAt(j);
    if (es === 43 || es === 45) {
      eneg = es === 45;
      j++;
    }
    if (j < n && isDigit(s.charCodeAt(j))) {
      let e = 0;
      while (j < n && isDigit(s.charCodeAt(j))) {
        if (e < 100000) e = e * 10 + (s.charCodeAt(j) - 48);
        j++;
      }
      exp = eneg ? -e : e;
      i = j;
    }
  }
  endIndex = i;
  exp -= 4 * fracDigits;
  let v = 0;
  if (mant !== 0n) {
    // Keep 64 significant bits (plus a sticky bit) so Number() rounds once.
    const bits = mant.toString(2).length;
    if (bits > 64) {
      const shift = BigInt(bits - 64);
      const sticky = (mant & ((1n << shift) - 1n)) !== 0n ? 1n : 0n;
      mant = (mant >> shift) | sticky;
      exp += bits - 64;
    }
    v = Number(mant);
    // Scale in steps so intermediate powers of two stay finite.
    while (exp > 0 && v !== Infinity) {
      const step = Math.min(exp, 1000);
      v *= 2 ** step;
      exp -= step;
    }
    while (exp < 0 && v !== 0) {
      const step = Math.max(exp, -1000);
      v *= 2 ** step;
      exp -= step;
    }
    if (v === Infinity || v === 0) erange = true;
  }
  return neg ? -v : v;
}

/** Index after the text the last strtod() parsed (0: nothing parsed). */
export function strtodEnd(): number {
  return endIndex;
}

/** Whether the last strtod() (or parseDoubleToNul) set ERANGE. */
export function strtodErange(): boolean {
  return erange;
}

/** getDoubleFromObject: the value, or null (Redis replies "value is not a valid float" or the command's text). */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || isSpace(s.charCodeAt(0)) || s.indexOf('\x00') >= 0) return null;
  const v = strtod(s);
  if (endIndex !== s.length || Number.isNaN(v)) return null;
  if (erange && (v === Infinity || v === -Infinity || v === 0)) return null;
  return v;
}

/**
 * strtod over s up to its first NUL byte, checked as `eptr[0] == '\0'`
 * (SORT's numeric values): the value, or null when text remains or it is
 * NaN. strtodErange() then tells whether the conversion set ERANGE.
 */
export function parseDoubleToNul(s: string): number | null {
  const nul = s.indexOf('\x00');
  if (nul >= 0) s = s.slice(0, nul);
  const v = strtod(s);
  if (endIndex !== s.length || Number.isNaN(v)) return null;
  // glibc also reports ERANGE for a subnormal result.
  if (v !== 0 && Math.abs(v) < 2.2250738585072014e-308) erange = true;
  return v;
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
