/**
 * Sorted set commands (t_zset.c): ZADD, ZINCRBY, ZREM, ZCARD, ZSCORE,
 * ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT, ZREMRANGEBYRANK/SCORE/LEX.
 * The range reads are in ./zset-range.ts, ZRANDMEMBER and ZSCAN in
 * ./zset-sample.ts, the set algebra in ./zset-store.ts, the pops (blocking
 * too) in ./zset-pop.ts; the value type is ../store/zset.ts.
 *
 *   ZADD z NX CH 1 a 2 b   -> :2
 *   ZADD z INCR 5 a        -> "6" (RESP3: ,6)
 *   ZRANGE z 0 -1 WITHSCORES (RESP3) -> *2 [a ,6] [b ,2] ...
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { notify, NOTIFY } from '../server/notify';
import { ZSetValue } from '../store/zset';
import { scoreGteMin, scoreLteMax, lexGteMin, lexLteMax } from '../store/zset-bounds';
import { parseDouble, parseInt64 } from '../util/numbers';
import type { Handler } from './table';
import {
  newLexRange,
  newScoreRange,
  parseLexRange,
  parseScoreRange,
} from './zset-common';
import { rangeCommands } from './zset-range';
import { sampleCommands } from './zset-sample';
import { storeCommands } from './zset-store';
import { popCommands } from './zset-pop';
import { lookupTyped, removeMembers } from './lookup';

// ---- ZADD / ZINCRBY -----------------------------------------------------------

const IN_INCR = 1;
const IN_NX = 2;
const IN_XX = 4;
const IN_GT = 8;
const IN_LT = 16;

/**
 * The parsed scores of one ZADD, reused across calls (handlers never run
 * concurrently; a Float64Array keeps -0, inf and NaN as they are). It was a
 * number[] emptied with `length = 0` twice per call: the length setter is a
 * runtime call, 5% of an in-process ZADD profile.
 */
let scores = new Float64Array(16);

/**
 * Fast path "integer scores": parseDouble, except that a plain integer of up
 * to 15 digits (an optional '-', then digits: exact in a double, and what
 * strtod returns for it, -0 included) is read directly: strtod was ~4% of a
 * ZADD's CPU in a profile of redis-benchmark -t zadd -r 100000 (integer
 * scores).
 */
function parseScore(s: string): number | null {
  const n = s.length;
  const neg = s.charCodeAt(0) === 45; /* - */
  let i = neg ? 1 : 0;
  if (n > 15 || i >= n) return parseDouble(s);
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return parseDouble(s);
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** zaddGenericCommand: ZADD, and ZINCRBY as ZADD INCR. */
function zaddGeneric(c: Client, argv: string[], inFlags: number): void {
  let flags = inFlags;
  let ch = false;
  let idx = 2;
  for (; idx < argv.length; idx++) {
    if (argv[idx].length > 4) break; // no option is longer than 'incr': a score, not lower-cased
    const opt = argv[idx].toLowerCase();
    if (opt === 'nx') flags |= IN_NX;
    else if (opt === 'xx') flags |= IN_XX;
    else if (opt === 'ch') ch = true;
    else if (opt === 'incr') flags |= IN_INCR;
    else if (opt === 'gt') flags |= IN_GT;
    else if (opt === 'lt') flags |= IN_LT;
    else break;
  }
  const incr = (flags & IN_INCR) !== 0;
  const nx = (flags & IN_NX) !== 0;
  const xx = (flags & IN_XX) !== 0;
  const gt = (flags & IN_GT) !== 0;
  const lt = (flags & IN_LT) !== 0;
  let elements = argv.length - idx;
  if (elements % 2 !== 0 || elements === 0) {
    c.error(E.SYNTAX);
    return;
  }
  elements /= 2;
  if (nx && xx) {
    c.error(E.ZADD_NX_XX);
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.error(E.ZADD_GT_LT_NX);
    return;
  }
  if (incr && elements > 1) {
    c.error(E.ZADD_INCR_PAIR);
    return;
  }
  if (scores.length < elements) scores = new Float64Array(Math.max(elements, 2 * scores.length));
  for (let j = 0; j < elements; j++) {
    const s = parseScore(argv[idx + j * 2]);
    if (s === null) {
      c.error(E.NOT_FLOAT);
      return;
    }
    scores[j] = s;
  }
  const key = argv[1];
  const existing = lookupTyped(c, key, 'zset');
  if (existing === null) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  // No key + XX: nothing to do. A new key always gets its elements (NX/GT/LT only gate updates).
  if (existing !== undefined || !xx) {
    // Redis 7.0 picks a new set's encoding from the first member alone (7.2
    // sizes it from all pairs): listpack unless disabled or that member is too long.
    const z = existing ?? ZSetValue.create(1, argv[idx + 1].length);
    for (let j = 0; j < elements; j++) {
      score = scores[j];
      const member = argv[idx + j * 2 + 1];
      // One lookup of the member: its slot serves the read and the write.
      const slot = z.findSlot(member);
      if (slot >= 0) {
        if (nx) continue;
        const cur = z.slotScore(slot);
        if (incr) {
          score += cur;
          if (Number.isNaN(score)) {
            c.error(E.ZADD_NAN);
            return;
          }
        }
        if ((lt && score >= cur) || (gt && score <= cur)) continue;
        if (score !== cur) {
          if (existing !== undefined && updated === 0 && added === 0) c.db.willModify(key);
          z.updateAt(slot, score);
          updated++;
        }
        processed++;
      } else if (!xx) {
        if (existing !== undefined && updated === 0 && added === 0) c.db.willModify(key);
        z.insertNew(member, score);
        added++;
        processed++;
      }
    }
    if (existing === undefined) c.db.set(key, z);
  }
  c.server.dirty += added + updated;
  if (incr) {
    if (processed > 0) c.double(score);
    else c.nullBulk();
  } else {
    c.integer(ch ? added + updated : added);
  }
  if (added > 0 || updated > 0) notify(c.server, NOTIFY.ZSET, incr ? 'zincr' : 'zadd', key, c.db.id);
}

function zaddCommand(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, 0);
}

function zincrbyCommand(c: Client, argv: string[]): void {
  zaddGeneric(c, argv, IN_INCR);
}

// ---- ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK --------------------------------------

/** Deletes key once its zset became empty, with the `del` event. */
export function deleteIfEmpty(c: Client, key: string, z: ZSetValue): boolean {
  if (z.size !== 0) return false;
  c.db.delete(key);
  notify(c.server, NOTIFY.GENERIC, 'del', key, c.db.id);
  return true;
}

function zremCommand(c: Client, argv: string[]): void {
  removeMembers(c, argv, 'zset', NOTIFY.ZSET, 'zrem');
}

function zcardCommand(c: Client, argv: string[]): void {
  const z = lookupTyped(c, argv[1], 'zset');
  if (z === null) return;
  c.integer(z === undefined ? 0 : z.size);
}

function zscoreCommand(c: Client, argv: string[]): void {
  const z = lookupTyped(c, argv[1], 'zset');
  if (z === null) return;
  const s = z === undefined ? undefined : z.score(argv[2]);
  if (s === undefined) c.nullBulk();
  else c.double(s);
}

function zmscoreCommand(c: Client, argv: string[]): void {
  const z = lookupTyped(c, argv[1], 'zset');
  if (z === null) return;
  c.arrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === undefined ? undefined : z.score(argv[j]);
    if (s === undefined) c.nullBulk();
    else c.double(s);
  }
}

function zrankGeneric(c: Client, argv: string[], reverse: boolean): void {
  const z = lookupTyped(c, argv[1], 'zset');
  if (z === null) return;
  const r = z === undefined ? -1 : z.rank(argv[2], reverse);
  if (r < 0) c.nullBulk();
  else c.integer(r);
}

function zrankCommand(c: Client, argv: string[]): void {
  zrankGeneric(c, argv, false);
}

function zrevrankCommand(c: Client, argv: string[]): void {
  zrankGeneric(c, argv, true);
}

// ---- ZCOUNT, ZLEXCOUNT -----------------------------------------------------------

const countRange = newScoreRange();
const countLex = newLexRange();

function zcountCommand(c: Client, argv: string[]): void {
  if (!parseScoreRange(argv[2], argv[3], countRange)) {
    c.error(E.NOT_FLOAT_MIN_MAX);
    return;
  }
  const z = lookupTyped(c, argv[1], 'zset');
  if (z === null) return;
  if (z === undefined) {
    c.integer(0);
    return;
  }
  const first = z.firstInRange(countRange);
  c.integer(first < 0 ? 0 : z.lastInRange(countRange) - first + 1);
}

function zlexcountCommand(c: Client, argv: string[]): void {
  if (!parseLexRange(argv[2], argv[3], countLex)) {
    c.error(E.MIN_MAX_NOT_STRING);
    return;
  }
  const z = lookupTyped(c, argv[1], 'zset');
  if (z === null) return;
  if (z === undefined) {
    c.integer(0);
    return;
  }
  const first = z.firstInLex(countLex);
  c.integer(first < 0 ? 0 : z.lastInLex(countLex) - first + 1);
}

// ---- ZREMRANGEBYRANK / SCORE / LEX ---------------------------------------------------

const remRange = newScoreRange();
const remLex = newLexRange();

function zremrangeGeneric(c: Client, argv: string[], kind: 'rank' | 'score' | 'lex'): void {
  let start = 0;
  let end = 0;
  if (kind === 'rank') {
    const s = parseInt64(argv[2]);
    const e = s === null ? null : parseInt64(argv[3]);
    if (s === null || e === null) {
      c.error(E.NOT_INTEGER);
      return;
    }
    start = s;
    end = e;
  } else if (kind === 'score') {
    if (!parseScoreRange(argv[2], argv[3], remRange)) {
      c.error(E.NOT_FLOAT_MIN_MAX);
      return;
    }
  } else if (!parseLexRange(argv[2], argv[3], remLex)) {
    c.error(E.MIN_MAX_NOT_STRING);
    return;
  }
  const key = argv[1];
  const z = lookupTyped(c, key, 'zset');
  if (z === null) return;
  if (z === undefined) {
    c.integer(0);
    return;
  }
  let deleted = 0;
  if (kind === 'rank') {
    const len = z.size;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
      c.integer(0);
      return;
    }
    if (end >= len) end = len - 1;
    c.db.willModify(key);
    deleted = z.removeRangeByRank(start, end);
  } else if (kind === 'score') {
    const first = z.firstInRange(remRange);
    if (first >= 0) {
      c.db.willModify(key);
      deleted = z.removeRangeByRank(first, first + runFrom(z, first, inRemRange) - 1);
    }
  } else {
    const first = z.firstInLex(remLex);
    if (first >= 0) {
      c.db.willModify(key);
      deleted = z.removeRangeByRank(first, first + runFrom(z, first, inRemLex) - 1);
    }
  }
  if (deleted > 0) {
    notify(c.server, NOTIFY.ZSET, 'zremrangeby' + kind, key, c.db.id);
    deleteIfEmpty(c, key, z);
  }
  c.server.dirty += deleted;
  c.integer(deleted);
}

/** How many elements from rank `first` on stay inside the range (Redis deletes while they do). */
function runFrom(z: ZSetValue, first: number, inRange: (member: string, score: number) => boolean): number {
  let k = 0;
  z.walk(first, false, (m, s) => {
    if (!inRange(m, s)) return false;
    k++;
  });
  return k;
}

function inRemRange(_m: string, s: number): boolean {
  return scoreLteMax(s, remRange) && scoreGteMin(s, remRange);
}

function inRemLex(m: string): boolean {
  return lexLteMax(m, remLex) && lexGteMin(m, remLex);
}

function zremrangebyrankCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, 'rank');
}

function zremrangebyscoreCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, 'score');
}

function zremrangebylexCommand(c: Client, argv: string[]): void {
  zremrangeGeneric(c, argv, 'lex');
}

export const commands: Record<string, Handler> = {
  zadd: zaddCommand,
  zincrby: zincrbyCommand,
  zrem: zremCommand,
  zcard: zcardCommand,
  zscore: zscoreCommand,
  zmscore: zmscoreCommand,
  zrank: zrankCommand,
  zrevrank: zrevrankCommand,
  zcount: zcountCommand,
  zlexcount: zlexcountCommand,
  zremrangebyrank: zremrangebyrankCommand,
  zremrangebyscore: zremrangebyscoreCommand,
  zremrangebylex: zremrangebylexCommand,
  ...rangeCommands,
  ...sampleCommands,
  ...storeCommands,
  ...popCommands,
};
