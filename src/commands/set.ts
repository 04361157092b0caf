/**
 * Set commands (t_set.c): SADD, SREM, SCARD, SISMEMBER, SMISMEMBER,
 * SMEMBERS, SRANDMEMBER, SPOP, SMOVE, SINTER, SINTERCARD, SUNION, SDIFF,
 * SINTERSTORE, SUNIONSTORE, SDIFFSTORE, SSCAN. The value type and the set
 * algebra are in ../store/set.ts.
 *
 * Propagation: SPOP logs its effect, SREM key member (one per popped
 * member) or DEL key when it emptied the set, as Redis 7.0 does.
 *
 *   SADD s 3 1 2   -> :3          SMEMBERS s -> 1 2 3 (intset: sorted)
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import { SetValue, difference, intersect, union } from '../store/set';
import { globMatch } from '../util/glob';
import { parseBigInt64, parseInt64 } from '../util/numbers';
import { distinctRandomIndexes } from '../util/random';
import { parseScanCursor, parseScanOptions, replyEmptyScan } from './scan';
import type { Handler } from './table';
import { lookupTyped, parsePositiveLong, removeMembers } from './lookup';

const LONG_MAX = 9223372036854775807n;

function replyMembers(c: Client, members: readonly string[], asSet: boolean): void {
  let s = '';
  for (const m of members) s += '$' + m.length + '\r\n' + m + '\r\n';
  if (asSet) c.setLen(members.length);
  else c.arrayLen(members.length);
  c.out += s;
}

// ---- single-set commands -------------------------------------------------

function saddCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const s = lookupTyped(c, key, 'set');
  if (s === null) return;
  let added = 0;
  if (s === undefined) {
    const ns = new SetValue();
    for (let i = 2; i < argv.length; i++) if (ns.add(argv[i])) added++;
    c.db.set(key, ns);
  } else {
    let i = 2;
    while (i < argv.length && s.has(argv[i])) i++;
    if (i < argv.length) {
      c.db.willModify(key);
      for (; i < argv.length; i++) if (s.add(argv[i])) added++;
    }
  }
  if (added > 0) notify(c.server, NOTIFY.SET, 'sadd', key, c.db.id);
  c.server.dirty += added;
  c.integer(added);
}

function sremCommand(c: Client, argv: string[]): void {
  removeMembers(c, argv, 'set', NOTIFY.SET, 'srem');
}

function scardCommand(c: Client, argv: string[]): void {
  const s = lookupTyped(c, argv[1], 'set');
  if (s === null) return;
  c.integer(s === undefined ? 0 : s.size);
}

function sismemberCommand(c: Client, argv: string[]): void {
  const s = lookupTyped(c, argv[1], 'set');
  if (s === null) return;
  c.integer(s !== undefined && s.has(argv[2]) ? 1 : 0);
}

function smismemberCommand(c: Client, argv: string[]): void {
  const s = lookupTyped(c, argv[1], 'set');
  if (s === null) return;
  let out = '*' + (argv.length - 2) + '\r\n';
  for (let i = 2; i < argv.length; i++) out += s !== undefined && s.has(argv[i]) ? ':1\r\n' : ':0\r\n';
  c.out += out;
}

function smoveCommand(c: Client, argv: string[]): void {
  const [, srcKey, dstKey, member] = argv;
  const src = lookupTyped(c, srcKey, 'set');
  if (src === null) return;
  if (src === undefined) {
    c.integer(0);
    return;
  }
  const dst = lookupTyped(c, dstKey, 'set');
  if (dst === null) return;
  if (src === dst) {
    c.integer(src.has(member) ? 1 : 0);
    return;
  }
  if (!src.has(member)) {
    c.integer(0);
    return;
  }
  c.db.willModify(srcKey);
  src.delete(member);
  const db = c.db.id;
  notify(c.server, NOTIFY.SET, 'srem', srcKey, db);
  if (src.size === 0) {
    c.db.delete(srcKey);
    notify(c.server, NOTIFY.GENERIC, 'del', srcKey, db);
  }
  c.server.dirty++;
  if (dst === undefined) {
    const ns = new SetValue();
    ns.add(member);
    c.db.set(dstKey, ns);
    c.server.dirty++;
    notify(c.server, NOTIFY.SET, 'sadd', dstKey, db);
  } else if (!dst.has(member)) {
    c.db.willModify(dstKey);
    dst.add(member);
    c.server.dirty++;
    notify(c.server, NOTIFY.SET, 'sadd', dstKey, db);
  }
  c.integer(1);
}

/** Parses a count as getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX); replies on error. */
function parseSignedCount(c: Client, s: string): bigint | null {
  const l = parseBigInt64(s);
  if (l === null) {
    c.error(E.NOT_INTEGER);
    return null;
  }
  if (l < -LONG_MAX) {
    c.error(E.COUNT_OUT_OF_LONG_RANGE);
    return null;
  }
  return l;
}

function srandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error(E.SYNTAX);
    return;
  }
  if (argv.length === 2) {
    const s = lookupTyped(c, argv[1], 'set');
    if (s === null) return;
    if (s === undefined) c.nullBulk();
    else c.bulk(s.random());
    return;
  }
  const l = parseSignedCount(c, argv[2]);
  if (l === null) return;
  const s = lookupTyped(c, argv[1], 'set');
  if (s === null) return;
  if (s === undefined || l === 0n) {
    c.arrayLen(0);
    return;
  }
  const unique = l > 0n;
  const count = Number(unique ? l : -l);
  // Negative count (or 1): independent picks, repetitions allowed.
  if (!unique || count === 1) {
    let out = '*' + count + '\r\n';
    for (let n = 0; n < count; n++) {
      const m = s.random();
      out += '$' + m.length + '\r\n' + m + '\r\n';
    }
    c.out += out;
    return;
  }
  // Count covers the set: all of it, in iteration order (an array even in RESP3).
  if (count >= s.size) {
    replyMembers(c, s.members(), false);
    return;
  }
  const picks = distinctRandomIndexes(s.size, count);
  let out = '*' + count + '\r\n';
  for (const i of picks) {
    const m = s.at(i);
    out += '$' + m.length + '\r\n' + m + '\r\n';
  }
  c.out += out;
}

function spopCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error(E.SYNTAX);
    return;
  }
  const key = argv[1];
  if (argv.length === 2) {
    const s = lookupTyped(c, key, 'set');
    if (s === null) return;
    if (s === undefined) {
      c.nullBulk();
      return;
    }
    const m = s.random();
    c.db.willModify(key);
    s.delete(m);
    notify(c.server, NOTIFY.SET, 'spop', key, c.db.id);
    if (s.size === 0) {
      c.db.delete(key);
      notify(c.server, NOTIFY.GENERIC, 'del', key, c.db.id);
    }
    c.server.dirty++;
    c.propagateAs = [['SREM', key, m]];
    c.bulk(m);
    return;
  }
  const l = parsePositiveLong(c, argv[2]);
  if (l === null) return;
  const s = lookupTyped(c, key, 'set');
  if (s === null) return;
  if (s === undefined || l === 0) {
    c.setLen(0);
    return;
  }
  const size = s.size;
  notify(c.server, NOTIFY.SET, 'spop', key, c.db.id);
  // The whole set: reply with it (as SUNION would) and delete the key.
  if (l >= size) {
    replyMembers(c, union([s]).members(), true);
    c.db.delete(key);
    notify(c.server, NOTIFY.GENERIC, 'del', key, c.db.id);
    c.server.dirty += size;
    c.propagateAs = [['DEL', key]];
    return;
  }
  const popped: string[] = [];
  for (const i of distinctRandomIndexes(size, l)) popped.push(s.at(i));
  c.db.willModify(key);
  const prop: string[][] = [];
  for (const m of popped) {
    s.delete(m);
    prop.push(['SREM', key, m]);
  }
  c.server.dirty += l;
  c.propagateAs = prop;
  replyMembers(c, popped, true);
}

// ---- multi-set commands --------------------------------------------------

/**
 * The sets at argv[from .. from+n): null for a missing key. Returns
 * undefined after replying WRONGTYPE (every key is type-checked first).
 */
function lookupSets(c: Client, keys: string[], from: number, n: number): (SetValue | null)[] | undefined {
  const sets: (SetValue | null)[] = [];
  for (let i = from; i < from + n; i++) {
    const s = lookupTyped(c, keys[i], 'set');
    if (s === null) return undefined;
    sets.push(s === undefined ? null : s);
  }
  return sets;
}

/** Stores a STORE command's result at dst (an empty result deletes dst) and replies with its size. */
function storeResult(c: Client, dst: string, result: SetValue, event: string): void {
  if (result.size > 0) {
    c.db.set(dst, result);
    notify(c.server, NOTIFY.SET, event, dst, c.db.id);
    c.server.dirty++;
  } else if (c.db.delete(dst)) {
    notify(c.server, NOTIFY.GENERIC, 'del', dst, c.db.id);
    c.server.dirty++;
  }
  c.integer(result.size);
}

function sinterGeneric(c: Client, argv: string[], from: number, n: number, dst: string | null): void {
  const sets = lookupSets(c, argv, from, n);
  if (sets === undefined) return;
  if (sets.includes(null)) {
    if (dst !== null) storeResult(c, dst, new SetValue(), 'sinterstore');
    else c.setLen(0);
    return;
  }
  const members = intersect(sets as SetValue[]);
  if (dst === null) {
    replyMembers(c, members, true);
    return;
  }
  const result = new SetValue();
  for (const m of members) result.add(m);
  storeResult(c, dst, result, 'sinterstore');
}

function sinterCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv, 1, argv.length - 1, null);
}

/** SMEMBERS is SINTER of one key in Redis (same replies, same order). */
function smembersCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv, 1, 1, null);
}

function sinterstoreCommand(c: Client, argv: string[]): void {
  sinterGeneric(c, argv, 2, argv.length - 2, argv[1]);
}

function sintercardCommand(c: Client, argv: string[]): void {
  const numkeys = parseInt64(argv[1]);
  if (numkeys === null || numkeys < 1) {
    c.error(E.NUMKEYS_GT_ZERO);
    return;
  }
  if (numkeys > argv.length - 2) {
    c.error(E.NUMKEYS_GT_ARGS);
    return;
  }
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'limit' && j + 1 < argv.length) {
      j++;
      const l = parsePositiveLong(c, argv[j], E.LIMIT_NEGATIVE);
      if (l === null) return;
      limit = l;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  const sets = lookupSets(c, argv, 2, numkeys);
  if (sets === undefined) return;
  if (sets.includes(null)) {
    c.integer(0);
    return;
  }
  c.integer(intersect(sets as SetValue[], limit).length);
}

function sunionDiffGeneric(c: Client, argv: string[], from: number, dst: string | null, diff: boolean): void {
  const sets = lookupSets(c, argv, from, argv.length - from);
  if (sets === undefined) return;
  const result = diff ? difference(sets) : union(sets);
  if (dst === null) replyMembers(c, result.members(), true);
  else storeResult(c, dst, result, diff ? 'sdiffstore' : 'sunionstore');
}

function sunionCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 1, null, false);
}

function sunionstoreCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 2, argv[1], false);
}

function sdiffCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 1, null, true);
}

function sdiffstoreCommand(c: Client, argv: string[]): void {
  sunionDiffGeneric(c, argv, 2, argv[1], true);
}

/** Members found by one SSCAN step (reused: handlers never run concurrently). */
const scanned: string[] = [];
function collectMember(m: string): void {
  scanned.push(m);
}

function sscanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]);
  if (cursor === null) {
    c.error(E.INVALID_CURSOR);
    return;
  }
  const s = lookupTyped(c, argv[1], 'set');
  if (s === null) return;
  if (s === undefined) {
    replyEmptyScan(c);
    return;
  }
  const opts = parseScanOptions(c, argv, 3);
  if (opts === null) return;
  scanned.length = 0;
  const next = s.scan(cursor, opts.count, collectMember);
  const pattern = opts.pattern;
  const found: string[] = [];
  for (const m of scanned) if (pattern === null || globMatch(pattern, m)) found.push(m);
  scanned.length = 0;
  c.arrayLen(2);
  c.bulk(String(next));
  replyMembers(c, found, false);
}

export const commands: Record<string, Handler> = {
  sadd: saddCommand,
  srem: sremCommand,
  scard: scardCommand,
  sismember: sismemberCommand,
  smismember: smismemberCommand,
  smembers: smembersCommand,
  smove: smoveCommand,
  srandmember: srandmemberCommand,
  spop: spopCommand,
  sinter: sinterCommand,
  sintercard: sintercardCommand,
  sinterstore: sinterstoreCommand,
  sunion: sunionCommand,
  sunionstore: sunionstoreCommand,
  sdiff: sdiffCommand,
  sdiffstore: sdiffstoreCommand,
  sscan: sscanCommand,
};
