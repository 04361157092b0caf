/**
 * Sorted set range reads (t_zset.c's zrangeGenericCommand): ZRANGE with
 * BYSCORE/BYLEX/REV/LIMIT/WITHSCORES, ZRANGESTORE, and the older forms
 * ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX.
 *
 * A range of k elements costs O(log n + k): one descent of the skip list to
 * the first element, then a walk along level 0.
 *
 *   ZRANGE z (1 +inf BYSCORE LIMIT 0 2 WITHSCORES
 *   ZRANGE z [b [d BYLEX REV          (REV takes max before min)
 *   ZRANGESTORE dst z 0 -1            -> :3
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { notify, NOTIFY } from '../server/notify';
import { lexGteMin, lexLteMax, scoreGteMin, scoreLteMax, type SkipNode } from '../store/skiplist';
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
/** The nodes of the current range, in reply order (reused: handlers never run concurrently). */
const picked: SkipNode[] = [];

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
  picked.length = 0;
  let sizeHint = 0;
  if (z !== undefined) {
    if (rangeType === RANK) sizeHint = pickByRank(z, start, end, reverse);
    else if (rangeType === SCORE) pickByScore(z, offset, limit, reverse);
    else pickByLex(z, offset, limit, reverse);
  }
  if (dst === null) {
    replyScoredLen(c, picked.length, withScores);
    for (const n of picked) replyScored(c, n.member, n.score, withScores);
  } else {
    storeResult(c, dst, sizeHint);
  }
  picked.length = 0;
}

/** Ranks start..end (negative from the end); returns the range length. */
function pickByRank(z: ZSetValue, start: number, end: number, reverse: boolean): number {
  const len = z.size;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return 0;
  if (end >= len) end = len - 1;
  let n = z.at(reverse ? len - 1 - start : start);
  for (let k = end - start + 1; k > 0 && n !== null; k--) {
    picked.push(n);
    n = reverse ? n.backward : n.next[0];
  }
  return end - start + 1;
}

/** Skips `offset` nodes then takes up to `limit` (negative: all); a negative offset takes nothing. */
function pickByScore(z: ZSetValue, offset: number, limit: number, reverse: boolean): void {
  if (offset < 0 || (offset > 0 && offset >= z.size)) return;
  let n = reverse ? z.sl.lastInRange(range) : z.sl.firstInRange(range);
  while (n !== null && offset > 0) {
    n = reverse ? n.backward : n.next[0];
    offset--;
  }
  while (n !== null && limit !== 0) {
    if (reverse ? !scoreGteMin(n.score, range) : !scoreLteMax(n.score, range)) break;
    picked.push(n);
    n = reverse ? n.backward : n.next[0];
    limit--;
  }
}

function pickByLex(z: ZSetValue, offset: number, limit: number, reverse: boolean): void {
  if (offset < 0 || (offset > 0 && offset >= z.size)) return;
  let n = reverse ? z.sl.lastInLex(lex) : z.sl.firstInLex(lex);
  while (n !== null && offset > 0) {
    n = reverse ? n.backward : n.next[0];
    offset--;
  }
  while (n !== null && limit !== 0) {
    if (reverse ? !lexGteMin(n.member, lex) : !lexLteMax(n.member, lex)) break;
    picked.push(n);
    n = reverse ? n.backward : n.next[0];
    limit--;
  }
}

/** ZRANGESTORE's result: the picked nodes become dst (or dst is deleted when none). */
function storeResult(c: Client, dst: string, sizeHint: number): void {
  const db = c.db;
  if (picked.length === 0) {
    c.integer(0);
    if (db.delete(dst)) {
      notify(c.server, NOTIFY.GENERIC, 'del', dst, db.id);
      c.server.dirty++;
    }
    return;
  }
  const out = ZSetValue.create(sizeHint, 0);
  for (const n of picked) out.add(n.member, n.score);
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
