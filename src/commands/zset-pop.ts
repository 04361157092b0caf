/**
 * Sorted set pops (t_zset.c's genericZpopCommand, blocked.c): ZPOPMIN,
 * ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX, BZMPOP.
 *
 * Reply shapes (as Redis 7.0):
 *   ZPOPMIN z          flat [member, score]            (RESP3 too)
 *   ZPOPMIN z 2        RESP2 flat; RESP3 [[m, s], ...]
 *   BZPOPMIN z 0       flat [key, member, score]
 *   ZMPOP / BZMPOP     [key, [[m, s], ...]]; null array when nothing to pop
 *
 * Effects: ZMPOP, BZPOP* and BZMPOP are propagated as ZPOPMIN/ZPOPMAX
 * (with COUNT for the *MPOP forms), also when a blocked client is served
 * later by a ZADD.
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { blockClient, mayBlock, parseTimeout } from '../server/blocking';
import { notify, NOTIFY } from '../server/notify';
import type { Database } from '../store/database';
import type { Handler } from './table';
import type { ZSetValue } from '../store/zset';
import { zsetAt } from './zset-common';
import { lookupTyped, parseMpopArgs, parsePositiveLong } from './lookup';

/**
 * Pops up to `count` elements (count -1: one, the plain form) from the
 * lowest (min) or highest end of z at key, writing the reply header chosen
 * by emitKey/nested and one entry per element. Deletes the key when it
 * empties. Returns the number popped.
 */
function popAndReply(c: Client, db: Database, key: string, z: ZSetValue, min: boolean, count: number, emitKey: boolean, nested: boolean): number {
  if (count === -1) count = 1;
  const n = count > z.size ? z.size : count;
  if (!nested && !emitKey) c.arrayLen(n * 2);
  else if (nested && !emitKey) c.arrayLen(n);
  else if (!nested && emitKey) {
    c.arrayLen(n * 2 + 1);
    c.bulk(key);
  } else {
    c.arrayLen(2);
    c.bulk(key);
    c.arrayLen(n);
  }
  db.willModify(key);
  for (let i = 0; i < n; i++) {
    const rank = min ? 0 : z.size - 1;
    const member = z.memberAt(rank);
    const score = z.scoreAt(rank);
    z.delete(member);
    c.server.dirty++;
    if (nested) c.out += '*2\r\n';
    c.bulk(member);
    c.double(score);
  }
  notify(c.server, NOTIFY.ZSET, min ? 'zpopmin' : 'zpopmax', key, db.id);
  if (z.size === 0) {
    db.delete(key);
    notify(c.server, NOTIFY.GENERIC, 'del', key, db.id);
  }
  return n;
}

/** ZPOPMIN/ZPOPMAX key [count] */
function zpopGeneric(c: Client, argv: string[], min: boolean): void {
  if (argv.length > 3) {
    c.error(E.SYNTAX);
    return;
  }
  let count = -1;
  if (argv.length === 3) {
    const n = parsePositiveLong(c, argv[2]);
    if (n === null) return;
    count = n;
  }
  const key = argv[1];
  const z = lookupTyped(c, key, 'zset');
  if (z === null) return;
  if (z === undefined || count === 0) {
    c.arrayLen(0);
    return;
  }
  popAndReply(c, c.db, key, z, min, count, false, c.resp === 3 && count !== -1);
}

/** ZMPOP numkeys key... MIN|MAX [COUNT n] */
function zmpopCommand(c: Client, argv: string[]): void {
  const a = parseMpopArgs(c, argv, 1, 'min', 'max');
  if (a === null) return;
  for (const key of a.keys) {
    const z = lookupTyped(c, key, 'zset');
    if (z === null) return;
    if (z === undefined) continue;
    popAndReply(c, c.db, key, z, a.first, a.count, true, true);
    c.propagateAs = [[a.first ? 'ZPOPMIN' : 'ZPOPMAX', key, String(a.count)]];
    return;
  }
  c.nullArray();
}

// ---- blocking ------------------------------------------------------------------

/**
 * blockingGenericZpopCommand: serves at once from the first non-empty key,
 * else blocks (or answers a null array where blocking is denied).
 * count -1 is BZPOPMIN/BZPOPMAX, otherwise BZMPOP's count.
 */
function blockingZpop(c: Client, keys: string[], min: boolean, timeoutArg: string, count: number): void {
  const deadline = parseTimeout(c, timeoutArg);
  if (deadline === null) return;
  const mpop = count !== -1;
  for (const key of keys) {
    const z = lookupTyped(c, key, 'zset');
    if (z === null) return;
    if (z === undefined || z.size === 0) continue;
    popAndReply(c, c.db, key, z, min, count, true, mpop);
    c.propagateAs = [effectOf(min, key, count)];
    return;
  }
  if (!mayBlock(c)) {
    c.nullArray();
    return;
  }
  const db = c.db;
  blockClient(c, {
    db,
    keys,
    timeoutMs: deadline,
    tryServe(bc, key) {
      const z = zsetAt(db, key);
      if (z === undefined || z.size === 0) return false;
      popAndReply(bc, db, key, z, min, count, true, mpop);
      bc.server.propagate(db.id, [effectOf(min, key, count)]);
      return true;
    },
    onTimeout(bc) {
      bc.nullArray();
    },
  });
}

function effectOf(min: boolean, key: string, count: number): string[] {
  const cmd = min ? 'ZPOPMIN' : 'ZPOPMAX';
  return count === -1 ? [cmd, key] : [cmd, key, String(count)];
}

/** BZPOPMIN/BZPOPMAX key... timeout */
function bzpopGeneric(c: Client, argv: string[], min: boolean): void {
  blockingZpop(c, argv.slice(1, argv.length - 1), min, argv[argv.length - 1], -1);
}

/** BZMPOP timeout numkeys key... MIN|MAX [COUNT n] */
function bzmpopCommand(c: Client, argv: string[]): void {
  const a = parseMpopArgs(c, argv, 2, 'min', 'max');
  if (a === null) return;
  blockingZpop(c, a.keys, a.first, argv[1], a.count);
}

export const popCommands: Record<string, Handler> = {
  zpopmin: (c, argv) => zpopGeneric(c, argv, true),
  zpopmax: (c, argv) => zpopGeneric(c, argv, false),
  zmpop: zmpopCommand,
  bzpopmin: (c, argv) => bzpopGeneric(c, argv, true),
  bzpopmax: (c, argv) => bzpopGeneric(c, argv, false),
  bzmpop: bzmpopCommand,
};
