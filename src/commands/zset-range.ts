/**
 * Sorted set range reads (t_zset.c's zrangeGenericCommand): ZRANGE with
 * BYSCORE/BYLEX/REV/LIMIT/WITHSCORES, ZRANGESTORE, and the older forms
 * ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX.
 *
 * A range of k elements costs O(log n + k): one descent of the tree to the
 * first element's rank (LIMIT's offset just moves that rank), then a walk
 * along the leaves.
 *
 *   ZRANGE z (1 +inf BYSCORE LIMIT 0 2 WITHSCORES
 *   ZRANGE z [b [d BYLEX REV          (REV takes max before min)
 *   ZRANGESTORE dst z 0 -1            -> :3
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { notify, NOTIFY } from '../server/notify';
import { lexGteMin, lexLteMax, scoreGteMin, scoreLteMax } from '../store/zset-bounds';
import { ZSetValue } from '../store/zset';
import { parseInt64 } from '../util/numbers';
import type { Handler } from './table';
import {
  newLexRange,
  newScoreRange,
  parseLexRange,
  parseScoreRange,
  replyScored,
  replyScoredLen,
} from './zset-common';
import { lookupTyped } from './lookup';

const AUTO = 0;
const RANK = 1;
const SCORE = 2;
const LEX = 3;

const FORWARD = 1;
const REVERSE = 2;

const range = newScoreRange();
const lex = newLexRange();
/** The elements of the current range, in reply order (reused: handlers never run concurrently). */
const pickedM: string[] = [];
const pickedS: number[] = [];

function pick(member: string, score: number): void {
  pickedM.push(member);
  pickedS.push(score);
}

/**
 * zrangeGenericCommand. `at` is the index of the source key in argv; dst is
 * ZRANGESTORE's destination (null for the reading forms).
 */
function zrangeGeneric(c: Client, argv: string[], at: number, dst: string | null, rangeType: number, direction: number): void {
  let withScores = false;
  let offset = 0;
  let limit = -1;
  let limitGiven = false;
  for (let j = at + 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const left = argv.length - j - 1;
    if (dst === null && opt === 'withscores') {
      withScores = true;
    } else if (opt === 'limit' && left >= 2) {
      const o = parseInt64(argv[j + 1]);
      const l = o === null ? null : parseInt64(argv[j + 2]);
      if (o === null || l === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      offset = o;
      limit = l;
      limitGiven = true;
      j += 2;
    } else if (direction === AUTO && opt === 'rev') {
      direction = REVERSE;
    } else if (rangeType === AUTO && opt === 'bylex') {
      rangeType = LEX;
    } else if (rangeType === AUTO && opt === 'byscore') {
      rangeType = SCORE;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  if (direction === AUTO) direction = FORWARD;
  if (rangeType === AUTO) rangeType = RANK;
  // Redis checks `limit != -1`: LIMIT x -1 passes as "no LIMIT".
  if (limitGiven && limit !== -1 && rangeType === RANK) {
    c.error(E.ZRANGE_LIMIT_NEEDS_BY);
    return;
  }
  if (withScores && rangeType === LEX) {
    c.error(E.ZRANGE_WITHSCORES_BYLEX);
    return;
  }
  const reverse = direction === REVERSE;
  let minArg = argv[at + 1];
  let maxArg = argv[at + 2];
  if (reverse && rangeType !== RANK) {
    const t = minArg;
    minArg = maxArg;
    maxArg = t;
  }
  let start = 0;
  let end = 0;
  if (rangeType === RANK) {
    const s = parseInt64(minArg);
    const e = s === null ? null : parseInt64(maxArg);
    if (s === null || e === null) {
      c.error(E.NOT_INTEGER);
      return;
    }
    start = s;
    end = e;
  } else if (rangeType === SCORE) {
    if (!parseScoreRange(minArg, maxArg, range)) {
      c.error(E.NOT_FLOAT_MIN_MAX);
      return;
    }
  } else if (!parseLexRange(minArg, maxArg, lex)) {
    c.error(E.MIN_MAX_NOT_STRING);
    return;
  }
  const z = lookupTyped(c, argv[at], 'zset');
  if (z === null) return;
  let sizeHint = 0;
  if (z !== undefined) {
    if (rangeType === RANK) sizeHint = pickByRank(z, start, end, reverse);
    else if (rangeType === SCORE) pickByScore(z, offset, limit, reverse);
    else pickByLex(z, offset, limit, reverse);
  }
  if (dst === null) {
    replyScoredLen(c, pickedM.length, withScores);
    for (let i = 0; i < pickedM.length; i++) replyScored(c, pickedM[i], pickedS[i], withScores);
  } else {
    storeResult(c, dst, sizeHint);
  }
  pickedM.length = 0;
  pickedS.length = 0;
}

/** Ranks start..end (negative from the end); returns the range length. */
function pickByRank(z: ZSetValue, start: number, end: number, reverse: boolean): number {
  const len = z.size;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return 0;
  if (end >= len) end = len - 1;
  let k = end - start + 1;
  z.walk(reverse ? len - 1 - start : start, reverse, (m, s) => {
    pick(m, s);
    return --k > 0;
  });
  return end - start + 1;
}

/**
 * Takes up to `limit` (negative: all) elements inside the range starting
 * `offset` ranks past its first one (from its last one when reverse); a
 * negative offset takes nothing.
 */
function pickByScore(z: ZSetValue, offset: number, limit: number, reverse: boolean): void {
  if (offset < 0 || (offset > 0 && offset >= z.size)) return;
  const first = reverse ? z.lastInRange(range) : z.firstInRange(range);
  if (first < 0) return;
  z.walk(reverse ? first - offset : first + offset, reverse, (m, s) => {
    if (limit === 0 || (reverse ? !scoreGteMin(s, range) : !scoreLteMax(s, range))) return false;
    pick(m, s);
    limit--;
  });
}

function pickByLex(z: ZSetValue, offset: number, limit: number, reverse: boolean): void {
  if (offset < 0 || (offset > 0 && offset >= z.size)) return;
  const first = reverse ? z.lastInLex(lex) : z.firstInLex(lex);
  if (first < 0) return;
  z.walk(reverse ? first - offset : first + offset, reverse, (m, s) => {
    if (limit === 0 || (reverse ? !lexGteMin(m, lex) : !lexLteMax(m, lex))) return false;
    pick(m, s);
    limit--;
  });
}

/** ZRANGESTORE's result: the picked elements become dst (or dst is deleted when none). */
function storeResult(c: Client, dst: string, sizeHint: number): void {
  const db = c.db;
  if (pickedM.length === 0) {
    c.integer(0);
    if (db.delete(dst)) {
      notify(c.server, NOTIFY.GENERIC, 'del', dst, db.id);
      c.server.dirty++;
    }
    return;
  }
  const out = ZSetValue.create(sizeHint, 0);
  for (let i = 0; i < pickedM.length; i++) out.add(pickedM[i], pickedS[i]);
  db.set(dst, out);
  c.integer(out.size);
  notify(c.server, NOTIFY.ZSET, 'zrangestore', dst, db.id);
  c.server.dirty++;
}

function zrangeCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, AUTO, AUTO);
}

function zrangestoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 2, argv[1], AUTO, AUTO);
}

function zrevrangeCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, RANK, REVERSE);
}

function zrangebyscoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, SCORE, FORWARD);
}

function zrevrangebyscoreCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, SCORE, REVERSE);
}

function zrangebylexCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, LEX, FORWARD);
}

function zrevrangebylexCommand(c: Client, argv: string[]): void {
  zrangeGeneric(c, argv, 1, null, LEX, REVERSE);
}

export const rangeCommands: Record<string, Handler> = {
  zrange: zrangeCommand,
  zrangestore: zrangestoreCommand,
  zrevrange: zrevrangeCommand,
  zrangebyscore: zrangebyscoreCommand,
  zrevrangebyscore: zrevrangebyscoreCommand,
  zrangebylex: zrangebylexCommand,
  zrevrangebylex: zrevrangebylexCommand,
};
