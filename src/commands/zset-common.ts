/**
 * Shared pieces of the sorted set commands (t_zset.c): key lookup, the
 * number and range parsers with Redis's exact acceptance rules, and the
 * WITHSCORES reply shapes.
 *
 * Two float parsers, because Redis has two:
 *  - parseScore (getDoubleFromObject: ZADD, ZINCRBY, WEIGHTS): strtod over
 *    the whole argument; no leading space, no empty string; hex floats and
 *    inf accepted; NaN, overflow and underflow-to-zero refused.
 *  - parseScoreRange (zslParseRange: ZRANGEBYSCORE, ZCOUNT, ...): a `(`
 *    prefix makes the bound exclusive, then plain strtod up to the first NUL:
 *    leading spaces and the empty string (0) accepted, 1e400 is inf.
 *
 * WITHSCORES replies are a flat array (member, score, ...) in RESP2 and an
 * array of [member, score] pairs in RESP3 (Redis 7.0's ZRANGE & co.).
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import type { Database } from '../store/database';
import type { LexRange, ScoreRange } from '../store/skiplist';
import { ZSetValue } from '../store/zset';
import { formatDouble } from '../util/numbers';

/** The zset at key: undefined when missing, null after replying WRONGTYPE. */
export function lookupZset(c: Client, key: string): ZSetValue | undefined | null {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  if (v instanceof ZSetValue) return v;
  c.error(E.WRONGTYPE);
  return null;
}

/** The zset at key in db, or undefined (missing or another type). */
export function zsetAt(db: Database, key: string): ZSetValue | undefined {
  const v = db.get(key);
  return v instanceof ZSetValue ? v : undefined;
}

// ---- strtod ------------------------------------------------------------------

/** Results of the last strtod() call (no allocation per parse). */
let strtodEnd = 0;
let strtodRange = false;

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
 * C strtod on s (which must hold no NUL): returns the value, sets strtodEnd
 * to the index after the parsed text (0 when nothing was parsed) and
 * strtodRange when the result overflowed or underflowed (ERANGE).
 */
function strtod(s: string): number {
  strtodEnd = 0;
  strtodRange = false;
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
    strtodEnd = i;
    return neg ? -Infinity : Infinity;
  }
  if (matchWord(s, i, 'nan')) {
    i += 3;
    if (s.charCodeAt(i) === 40 /* ( */) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_]/.test(s[j])) j++;
      if (s.charCodeAt(j) === 41 /* ) */) i = j + 1;
    }
    strtodEnd = i;
    return NaN;
  }
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 0x20) === 120 /* 0x */) {
    const v = hexFloat(s, i + 2, neg);
    if (v !== null) return v;
    // "0x" without hex digits: strtod reads just the "0".
    strtodEnd = i + 1;
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
  strtodEnd = i;
  const v = Number(s.slice(digitsStart, i));
  if (v === Infinity || (v === 0 && nonZero)) strtodRange = true;
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
  strtodEnd = i;
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
    if (v === Infinity || v === 0) strtodRange = true;
  }
  return neg ? -v : v;
}

/** getDoubleFromObject: the score, or null (reply E.NOT_FLOAT or the command's own text). */
export function parseScore(s: string): number | null {
  if (s.length === 0 || isSpace(s.charCodeAt(0)) || s.indexOf('\x00') >= 0) return null;
  const v = strtod(s);
  if (strtodEnd !== s.length || Number.isNaN(v)) return null;
  if (strtodRange && (v === Infinity || v === -Infinity || v === 0)) return null;
  return v;
}

/** One zslParseRange bound into out (as min or max); false when not a float. */
function parseBound(s: string, out: ScoreRange, isMin: boolean): boolean {
  const nul = s.indexOf('\x00');
  if (nul >= 0) s = s.slice(0, nul);
  let ex = false;
  if (s.charCodeAt(0) === 40 /* ( */) {
    ex = true;
    s = s.slice(1);
  }
  // When strtod parses nothing its end stays at 0: only the empty string passes (as 0).
  const v = strtod(s);
  if (strtodEnd !== s.length || Number.isNaN(v)) return false;
  if (isMin) {
    out.min = v;
    out.minex = ex;
  } else {
    out.max = v;
    out.maxex = ex;
  }
  return true;
}

/**
 * strtod over s up to its first NUL byte, checked as `eptr[0] == '\0'`
 * (SORT's numeric values): the value, or null when text remains or it is
 * NaN. strtodRanged() then tells whether the conversion set ERANGE.
 */
export function strtodToNul(s: string): number | null {
  const nul = s.indexOf('\x00');
  if (nul >= 0) s = s.slice(0, nul);
  const v = strtod(s);
  if (strtodEnd !== s.length || Number.isNaN(v)) return null;
  // glibc also reports ERANGE for a subnormal result.
  if (v !== 0 && Math.abs(v) < 2.2250738585072014e-308) strtodRange = true;
  return v;
}

/** Whether the last strtodToNul() overflowed or underflowed. */
export function strtodRanged(): boolean {
  return strtodRange;
}

/** zslParseRange: fills out from the min and max arguments; false when either is not a float. */
export function parseScoreRange(min: string, max: string, out: ScoreRange): boolean {
  return parseBound(min, out, true) && parseBound(max, out, false);
}

/** One zslParseLexRangeItem bound; false when malformed. */
function parseLexBound(s: string, out: LexRange, isMin: boolean): boolean {
  const c0 = s.charCodeAt(0);
  let value: string | number;
  let ex: boolean;
  if (c0 === 43 /* + */ || c0 === 45 /* - */) {
    // C compares c[1] to '\0': anything after a NUL byte is ignored.
    if (s.length > 1 && s.charCodeAt(1) !== 0) return false;
    value = c0 === 43 ? Infinity : -Infinity;
    ex = true;
  } else if (c0 === 40 /* ( */ || c0 === 91 /* [ */) {
    value = s.slice(1);
    ex = c0 === 40;
  } else {
    return false;
  }
  if (isMin) {
    out.min = value;
    out.minex = ex;
  } else {
    out.max = value;
    out.maxex = ex;
  }
  return true;
}

/** zslParseLexRange: fills out from the min and max arguments; false when either is malformed. */
export function parseLexRange(min: string, max: string, out: LexRange): boolean {
  return parseLexBound(min, out, true) && parseLexBound(max, out, false);
}

export function newScoreRange(): ScoreRange {
  return { min: 0, max: 0, minex: false, maxex: false };
}

export function newLexRange(): LexRange {
  return { min: '', max: '', minex: false, maxex: false };
}

// ---- replies -------------------------------------------------------------------

/** Starts a reply of n members, with scores when withScores (flat in RESP2, pairs in RESP3). */
export function replyScoredLen(c: Client, n: number, withScores: boolean): void {
  c.arrayLen(withScores && c.resp === 2 ? n * 2 : n);
}

/** One member of a reply started by replyScoredLen. */
export function replyScored(c: Client, member: string, score: number, withScores: boolean): void {
  if (!withScores) {
    c.out += '$' + member.length + '\r\n' + member + '\r\n';
    return;
  }
  const s = formatDouble(score);
  if (c.resp === 3) c.out += '*2\r\n$' + member.length + '\r\n' + member + '\r\n,' + s + '\r\n';
  else c.out += '$' + member.length + '\r\n' + member + '\r\n$' + s.length + '\r\n' + s + '\r\n';
}
