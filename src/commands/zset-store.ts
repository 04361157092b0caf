/**
 * Sorted set algebra (t_zset.c's zunionInterDiffGenericCommand): ZUNION,
 * ZINTER, ZDIFF, their STORE forms, and ZINTERCARD.
 *
 * Inputs may be sorted sets or plain sets (every member scoring 1). Like
 * Redis, the inputs of ZUNION/ZINTER are first ordered by cardinality
 * (stably), and scores are combined in that order, so float sums round the
 * same way: score = weight * score (NaN -> 0), then SUM/MIN/MAX with the
 * next input's weighted score (a NaN sum -> 0).
 *
 *   ZUNIONSTORE out 2 a b WEIGHTS 1 2 AGGREGATE MAX   -> :n
 *   ZINTER 2 a b WITHSCORES                            -> member/score pairs
 *   ZINTERCARD 2 a b LIMIT 10                          -> :n
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { notify, NOTIFY } from '../server/notify';
import { SetValue } from '../store/set';
import { ZSetValue } from '../store/zset';
import { parseDouble, parseInt64 } from '../util/numbers';
import type { Handler } from './table';
import { replyScored, replyScoredLen } from './zset-common';
import { parsePositiveLong } from './lookup';

const UNION = 0;
const INTER = 1;
const DIFF = 2;

const SUM = 0;
const MIN = 1;
const MAX = 2;

interface Source {
  value: ZSetValue | SetValue | null;
  weight: number;
}

function sourceSize(s: Source): number {
  return s.value === null ? 0 : s.value.size;
}

/** The score of member in s (1 for a plain set), or undefined. */
function sourceScore(s: Source, member: string): number | undefined {
  const v = s.value;
  if (v === null) return undefined;
  if (v instanceof ZSetValue) return v.score(member);
  return v.has(member) ? 1 : undefined;
}

/** Calls visit(member, score) for every element of s. */
function forEachIn(s: Source, visit: (member: string, score: number) => void): void {
  const v = s.value;
  if (v === null) return;
  if (v instanceof ZSetValue) {
    // Redis's zset iterator walks from the tail.
    v.forEachReverse(visit);
  } else {
    for (const m of v.members()) visit(m, 1);
  }
}

function aggregate(target: number, value: number, how: number): number {
  if (how === SUM) {
    const r = target + value;
    return Number.isNaN(r) ? 0 : r;
  }
  if (how === MIN) return value < target ? value : target;
  return value > target ? value : target;
}

/**
 * The generic body. numkeysAt is the index of numkeys in argv; dst is the
 * STORE destination or null; cardOnly is ZINTERCARD.
 */
function zsetOpGeneric(c: Client, argv: string[], numkeysAt: number, dst: string | null, op: number, cardOnly: boolean): void {
  const setnum = parseInt64(argv[numkeysAt]);
  if (setnum === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (setnum < 1) {
    c.error(E.NUMKEYS_ZERO(argv[0].toLowerCase()));
    return;
  }
  if (setnum > argv.length - (numkeysAt + 1)) {
    c.error(E.SYNTAX);
    return;
  }
  const src: Source[] = [];
  let j = numkeysAt + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = c.db.get(argv[j]);
    if (v !== undefined && !(v instanceof ZSetValue) && !(v instanceof SetValue)) {
      c.error(E.WRONGTYPE);
      return;
    }
    src.push({ value: v === undefined ? null : v, weight: 1 });
  }
  let how = SUM;
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const opt = argv[j].toLowerCase();
    if (op !== DIFF && !cardOnly && remaining >= setnum + 1 && opt === 'weights') {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseDouble(argv[j]);
        if (w === null) {
          c.error(E.WEIGHT_NOT_FLOAT);
          return;
        }
        src[i].weight = w;
      }
    } else if (op !== DIFF && !cardOnly && remaining >= 2 && opt === 'aggregate') {
      const a = argv[j + 1].toLowerCase();
      if (a === 'sum') how = SUM;
      else if (a === 'min') how = MIN;
      else if (a === 'max') how = MAX;
      else {
        c.error(E.SYNTAX);
        return;
      }
      j += 2;
    } else if (dst === null && !cardOnly && opt === 'withscores') {
      withScores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && opt === 'limit') {
      const l = parsePositiveLong(c, argv[j + 1], E.LIMIT_NEGATIVE);
      if (l === null) return;
      limit = l;
      j += 2;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  if (op !== DIFF) {
    // Array.prototype.sort is stable, as glibc's merge-sort qsort is in practice.
    src.sort((a, b) => sourceSize(a) - sourceSize(b));
  }
  // Built as a skiplist, as Redis does; a stored result may become compact at the end.
  const out = ZSetValue.create(Infinity, 0);
  let card = 0;
  if (op === INTER) {
    if (sourceSize(src[0]) > 0) {
      const first = src[0];
      const each = (member: string, s0: number): void => {
        if (cardOnly && limit > 0 && card >= limit) return;
        let score = first.weight * s0;
        if (Number.isNaN(score)) score = 0;
        for (let k = 1; k < src.length; k++) {
          const other = src[k];
          const v = other.value === first.value ? s0 : sourceScore(other, member);
          if (v === undefined) return;
          score = aggregate(score, v * other.weight, how);
        }
        if (cardOnly) {
          card++;
          return;
        }
        out.add(member, score);
      };
      forEachIn(first, each);
    }
  } else if (op === UNION) {
    const acc = new Map<string, number>();
    for (const s of src) {
      forEachIn(s, (member, s0) => {
        let score = s.weight * s0;
        if (Number.isNaN(score)) score = 0;
        const cur = acc.get(member);
        if (cur === undefined) {
          acc.set(member, score);
        } else {
          acc.set(member, aggregate(cur, score, how));
        }
      });
    }
    for (const [m, s] of acc) out.add(m, s);
  } else {
    const first = src[0];
    forEachIn(first, (member, s0) => {
      for (let k = 1; k < src.length; k++) {
        if (src[k].value === first.value || sourceScore(src[k], member) !== undefined) return;
      }
      out.add(member, s0);
    });
  }
  if (cardOnly) {
    c.integer(card);
    return;
  }
  if (dst !== null) {
    storeOp(c, dst, out, op);
    return;
  }
  replyScoredLen(c, out.size, withScores);
  out.forEach((m, s) => replyScored(c, m, s, withScores));
}

const STORE_EVENTS = ['zunionstore', 'zinterstore', 'zdiffstore'];

function storeOp(c: Client, dst: string, out: ZSetValue, op: number): void {
  const db = c.db;
  if (out.size === 0) {
    c.integer(0);
    if (db.delete(dst)) {
      notify(c.server, NOTIFY.GENERIC, 'del', dst, db.id);
      c.server.dirty++;
    }
    return;
  }
  out.maybeShrinkEncoding();
  db.set(dst, out);
  c.integer(out.size);
  notify(c.server, NOTIFY.ZSET, STORE_EVENTS[op], dst, db.id);
  c.server.dirty++;
}

export const storeCommands: Record<string, Handler> = {
  zunion: (c, argv) => zsetOpGeneric(c, argv, 1, null, UNION, false),
  zinter: (c, argv) => zsetOpGeneric(c, argv, 1, null, INTER, false),
  zdiff: (c, argv) => zsetOpGeneric(c, argv, 1, null, DIFF, false),
  zunionstore: (c, argv) => zsetOpGeneric(c, argv, 2, argv[1], UNION, false),
  zinterstore: (c, argv) => zsetOpGeneric(c, argv, 2, argv[1], INTER, false),
  zdiffstore: (c, argv) => zsetOpGeneric(c, argv, 2, argv[1], DIFF, false),
  zintercard: (c, argv) => zsetOpGeneric(c, argv, 1, null, INTER, true),
};
