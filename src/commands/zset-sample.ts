/**
 * The sorted set commands that sample or walk the whole set (t_zset.c):
 * ZRANDMEMBER (O(1) per pick from the member map's dense array) and ZSCAN
 * (a listpack-sized set whole in one call, a bigger one by the IndexedMap
 * cursor with Redis's guarantee). Exported into the zset family by ./zset.ts.
 *
 *   ZRANDMEMBER z -5 WITHSCORES   -> 5 picks, repeats allowed
 *   ZSCAN z 0 MATCH a* COUNT 100  -> [next cursor, member, score, ...]
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { parseBigInt64 } from '../util/numbers';
import { globMatch } from '../util/glob';
import { distinctRandomIndexes } from '../util/random';
import { lookupTyped } from './lookup';
import { parseScanCursor, parseScanOptions, replyEmptyScan } from './scan';
import type { Handler } from './table';
import { replyScored, replyScoredLen, scoreText } from './zset-common';

// ---- ZRANDMEMBER ---------------------------------------------------------------

/** LONG_MAX / 2 in C integer division. */
const HALF_LONG_MAX = 4611686018427387903n;

function zrandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const big = parseBigInt64(argv[2]);
    if (big === null) {
      c.error(E.NOT_INTEGER);
      return;
    }
    // -LONG_MAX .. LONG_MAX: only LONG_MIN itself is out.
    if (argv[2] === '-9223372036854775808') {
      c.error(E.COUNT_OUT_OF_LONG_RANGE);
      return;
    }
    let withScores = false;
    if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withscores')) {
      c.error(E.SYNTAX);
      return;
    } else if (argv.length === 4) {
      withScores = true;
      if (big < -HALF_LONG_MAX || big > HALF_LONG_MAX) {
        c.error(E.VALUE_OUT_OF_RANGE);
        return;
      }
    }
    zrandmemberWithCount(c, argv[1], Number(big), withScores);
    return;
  }
  const z = lookupTyped(c, argv[1], 'zset');
  if (z === null) return;
  if (z === undefined) {
    c.nullBulk();
    return;
  }
  c.bulk(z.randomMember()!);
}

function zrandmemberWithCount(c: Client, key: string, count: number, withScores: boolean): void {
  const z = lookupTyped(c, key, 'zset');
  if (z === null) return;
  if (z === undefined || count === 0) {
    c.arrayLen(0);
    return;
  }
  const size = z.size;
  // Negative count: count picks with repetition, in random order.
  if (count < 0 || count === 1) {
    const n = count < 0 ? -count : 1;
    replyScoredLen(c, n, withScores);
    for (let i = 0; i < n; i++) {
      const m = z.randomMember()!;
      replyScored(c, m, z.score(m)!, withScores);
    }
    return;
  }
  // The whole set: Redis's zset iterator walks from the highest rank down.
  if (count >= size) {
    replyScoredLen(c, size, withScores);
    z.forEachReverse((m, s) => replyScored(c, m, s, withScores));
    return;
  }
  // Distinct members, in random order.
  const picks = distinctRandomIndexes(size, count);
  replyScoredLen(c, count, withScores);
  for (const slot of picks) {
    const m = z.dict.keyAt(slot);
    replyScored(c, m, z.dict.valAt(slot), withScores);
  }
}

// ---- ZSCAN ---------------------------------------------------------------------

function zscanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]);
  if (cursor === null) {
    c.error(E.INVALID_CURSOR);
    return;
  }
  const z = lookupTyped(c, argv[1], 'zset');
  if (z === null) return;
  if (z === undefined) {
    replyEmptyScan(c);
    return;
  }
  const opts = parseScanOptions(c, argv, 3);
  if (opts === null) return;
  let n = 0;
  let body = '';
  const pattern = opts.pattern;
  const emit = (member: string, score: number): void => {
    if (pattern !== null && !globMatch(pattern, member)) return;
    const s = scoreText(score);
    body += '$' + member.length + '\r\n' + member + '\r\n$' + s.length + '\r\n' + s + '\r\n';
    n += 2;
  };
  let next = 0;
  if (z.listpack) {
    // A compact set is returned whole, in order, in one call.
    z.forEach(emit);
  } else {
    next = z.dict.scan(cursor, opts.count, emit);
  }
  c.arrayLen(2);
  c.bulk(String(next));
  c.arrayLen(n);
  c.out += body;
}

export const sampleCommands: Record<string, Handler> = {
  zrandmember: zrandmemberCommand,
  zscan: zscanCommand,
};
