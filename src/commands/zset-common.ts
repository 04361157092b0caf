/**
 * Shared pieces of the sorted set commands (t_zset.c): key lookup, the
 * number and range parsers with Redis's exact acceptance rules, and the
 * WITHSCORES reply shapes.
 *
 * Scores parse as getDoubleFromObject does (util/numbers.ts parseDouble:
 * ZADD, ZINCRBY, WEIGHTS); ranges as zslParseRange (parseScoreRange here:
 * ZRANGEBYSCORE, ZCOUNT, ...): a `(` prefix makes the bound exclusive, then
 * plain strtod up to the first NUL: leading spaces and the empty string (0)
 * accepted, 1e400 is inf.
 *
 * WITHSCORES replies are a flat array (member, score, ...) in RESP2 and an
 * array of [member, score] pairs in RESP3 (Redis 7.0's ZRANGE & co.).
 */
import type { Client } from '../server/client';
import type { Database } from '../store/database';
import type { LexRange, ScoreRange } from '../store/zset-bounds';
import { ZSetValue } from '../store/zset';
import { formatDouble, strtod, strtodEnd } from '../util/numbers';

/** The zset at key in db, or undefined (missing or another type). */
export function zsetAt(db: Database, key: string): ZSetValue | undefined {
  const v = db.get(key);
  return v instanceof ZSetValue ? v : undefined;
}

// ---- ranges ------------------------------------------------------------------

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
  if (strtodEnd() !== s.length || Number.isNaN(v)) return false;
  if (isMin) {
    out.min = v;
    out.minex = ex;
  } else {
    out.max = v;
    out.maxex = ex;
  }
  return true;
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

/**
 * A score as Redis prints it (%.17g), with the fast path "integer scores":
 * a non-zero safe integer (|d| < 2^53 < 1e17, so %.17g has no exponent) is
 * its plain digits, which String() gives directly. formatDouble was 23% of
 * the CPU of ZREVRANGE z 5000 5010 WITHSCORES (redis-benchmark -P 16, a
 * 100k-member set with integer scores).
 */
export function scoreText(score: number): string {
  return score !== 0 && Number.isSafeInteger(score) ? String(score) : formatDouble(score);
}

/** One member of a reply started by replyScoredLen. */
export function replyScored(c: Client, member: string, score: number, withScores: boolean): void {
  if (!withScores) {
    c.out += '$' + member.length + '\r\n' + member + '\r\n';
    return;
  }
  const s = scoreText(score);
  if (c.resp === 3) c.out += '*2\r\n$' + member.length + '\r\n' + member + '\r\n,' + s + '\r\n';
  else c.out += '$' + member.length + '\r\n' + member + '\r\n$' + s.length + '\r\n' + s + '\r\n';
}
