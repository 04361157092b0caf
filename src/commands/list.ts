/**
 * List commands (t_list.c): LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN,
 * LINDEX, LSET, LRANGE, LTRIM, LREM, LINSERT, LPOS, LMOVE, RPOPLPUSH, LMPOP.
 * The blocking ones (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) and CLIENT
 * UNBLOCK live in ./list-blocking.ts and are registered from here.
 *
 * Argument checks run in the order Redis runs them (some commands parse
 * their numbers before looking the key up, others after), because that
 * order decides which error a bad request gets.
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import { signalKeyAsReady } from '../server/blocking';
import { parseInt64 } from '../util/numbers';
import { commands as blockingCommands } from './list-blocking';
import { moveElement, parseWhere, popMany, popOne, popRangeWithKey, pushValues, type Where } from './list-ops';
import type { Handler } from './table';
import { lookupTyped, parseMpopArgs, parsePositiveLong } from './lookup';

const LONG_MIN = -9223372036854775808;

/** A long argument, or null after replying the integer error. */
function longArg(c: Client, s: string): number | null {
  const n = parseInt64(s);
  if (n === null) c.error(E.NOT_INTEGER);
  return n;
}

// ---- push ------------------------------------------------------------------

function pushGeneric(c: Client, argv: string[], head: boolean, onlyIfExists: boolean): void {
  const key = argv[1];
  const list = lookupTyped(c, key, 'list');
  if (list === null) return;
  if (onlyIfExists && list === undefined) {
    c.integer(0);
    return;
  }
  const l = pushValues(c.db, key, list, argv, 2, head);
  notify(c.server, NOTIFY.LIST, head ? 'lpush' : 'rpush', key, c.db.id);
  c.server.dirty += argv.length - 2;
  c.integer(l.size);
}

function lpushCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, true, false);
}

function rpushCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, false, false);
}

function lpushxCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, true, true);
}

function rpushxCommand(c: Client, argv: string[]): void {
  pushGeneric(c, argv, false, true);
}

// ---- pop -------------------------------------------------------------------

function popGeneric(c: Client, argv: string[], head: boolean): void {
  if (argv.length > 3) {
    c.error(E.wrongArity(head ? 'lpop' : 'rpop'));
    return;
  }
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const n = parsePositiveLong(c, argv[2]);
    if (n === null) return;
    count = n;
  }
  const key = argv[1];
  const list = lookupTyped(c, key, 'list');
  if (list === null) return;
  if (list === undefined) {
    if (hasCount) c.nullArray();
    else c.nullBulk();
    return;
  }
  if (!hasCount) {
    c.bulk(popOne(c.db, key, list, head));
    notify(c.server, NOTIFY.LIST, head ? 'lpop' : 'rpop', key, c.db.id);
    if (list.size === 0) notify(c.server, NOTIFY.GENERIC, 'del', key, c.db.id);
    c.server.dirty++;
    return;
  }
  if (count === 0) {
    c.arrayLen(0);
    return;
  }
  const items = popMany(c.db, key, list, head, count);
  notify(c.server, NOTIFY.LIST, head ? 'lpop' : 'rpop', key, c.db.id);
  if (list.size === 0) notify(c.server, NOTIFY.GENERIC, 'del', key, c.db.id);
  c.server.dirty += items.length;
  c.bulkArray(items);
}

function lpopCommand(c: Client, argv: string[]): void {
  popGeneric(c, argv, true);
}

function rpopCommand(c: Client, argv: string[]): void {
  popGeneric(c, argv, false);
}

// ---- read ------------------------------------------------------------------

function llenCommand(c: Client, argv: string[]): void {
  const list = lookupTyped(c, argv[1], 'list');
  if (list === null) return;
  c.integer(list === undefined ? 0 : list.size);
}

function lindexCommand(c: Client, argv: string[]): void {
  const list = lookupTyped(c, argv[1], 'list');
  if (list === null) return;
  if (list === undefined) {
    c.nullBulk();
    return;
  }
  const index = longArg(c, argv[2]);
  if (index === null) return;
  c.bulkOrNull(list.at(index));
}

function lrangeCommand(c: Client, argv: string[]): void {
  let start = longArg(c, argv[2]);
  if (start === null) return;
  let end = longArg(c, argv[3]);
  if (end === null) return;
  const list = lookupTyped(c, argv[1], 'list');
  if (list === null) return;
  if (list === undefined) {
    c.arrayLen(0);
    return;
  }
  const llen = list.size;
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    c.arrayLen(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  c.bulkArray(list.range(start, end));
}

function lposCommand(c: Client, argv: string[]): void {
  const ele = argv[2];
  let rank = 1;
  let count = -1; // -1: no COUNT option
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toUpperCase();
    const more = j < argv.length - 1;
    if (opt === 'RANK' && more) {
      const n = longArg(c, argv[++j]);
      if (n === null) return;
      if (n === 0) {
        c.error(E.LPOS_RANK_ZERO);
        return;
      }
      rank = n;
    } else if (opt === 'COUNT' && more) {
      const n = parsePositiveLong(c, argv[++j], E.LPOS_COUNT_NEGATIVE);
      if (n === null) return;
      count = n;
    } else if (opt === 'MAXLEN' && more) {
      const n = parsePositiveLong(c, argv[++j], E.LPOS_MAXLEN_NEGATIVE);
      if (n === null) return;
      maxlen = n;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  let fromTail = false;
  if (rank < 0) {
    fromTail = true;
    // Redis negates a long: LONG_MIN stays negative, so every match qualifies.
    rank = rank === LONG_MIN ? 1 : -rank;
  }
  const list = lookupTyped(c, argv[1], 'list');
  if (list === null) return;
  if (list === undefined) {
    if (count !== -1) c.arrayLen(0);
    else c.nullBulk();
    return;
  }
  const llen = list.size;
  const limit = maxlen === 0 ? llen : Math.min(maxlen, llen);
  let matches = 0;
  const found: number[] = [];
  for (let k = 0; k < limit; k++) {
    const i = fromTail ? llen - 1 - k : k;
    if (list.at(i) !== ele) continue;
    matches++;
    if (matches < rank) continue;
    found.push(i);
    if (count === -1 || (count !== 0 && found.length >= count)) break;
  }
  if (count !== -1) {
    c.arrayLen(found.length);
    for (const i of found) c.integer(i);
  } else if (found.length > 0) {
    c.integer(found[0]);
  } else {
    c.nullBulk();
  }
}

// ---- modify ------------------------------------------------------------------

function lsetCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const list = lookupTyped(c, key, 'list');
  if (list === null) return;
  if (list === undefined) {
    c.error(E.NO_SUCH_KEY);
    return;
  }
  let index = longArg(c, argv[2]);
  if (index === null) return;
  if (index < 0) index += list.size;
  if (index < 0 || index >= list.size) {
    c.error(E.OUT_OF_RANGE);
    return;
  }
  c.db.willModify(key);
  list.setAt(index, argv[3]);
  notify(c.server, NOTIFY.LIST, 'lset', key, c.db.id);
  c.server.dirty++;
  c.ok();
}

function ltrimCommand(c: Client, argv: string[]): void {
  let start = longArg(c, argv[2]);
  if (start === null) return;
  let end = longArg(c, argv[3]);
  if (end === null) return;
  const key = argv[1];
  const list = lookupTyped(c, key, 'list');
  if (list === null) return;
  if (list === undefined) {
    c.ok();
    return;
  }
  const llen = list.size;
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  c.db.willModify(key);
  if (start > end || start >= llen) {
    list.clear();
  } else {
    if (end >= llen) end = llen - 1;
    list.trim(start, end);
  }
  notify(c.server, NOTIFY.LIST, 'ltrim', key, c.db.id);
  if (list.size === 0) c.db.delete(key);
  if (list.size === 0) notify(c.server, NOTIFY.GENERIC, 'del', key, c.db.id);
  // Redis counts an LTRIM as a change even when it removed nothing.
  c.server.dirty++;
  c.ok();
}

function lremCommand(c: Client, argv: string[]): void {
  const n = longArg(c, argv[2]);
  if (n === null) return;
  const key = argv[1];
  const list = lookupTyped(c, key, 'list');
  if (list === null) return;
  if (list === undefined) {
    c.integer(0);
    return;
  }
  const fromTail = n < 0;
  // Past 2^53 a count is "all of them" in practice.
  const count = Math.min(Math.abs(n), Number.MAX_SAFE_INTEGER);
  if (list.indexOf(argv[3]) >= 0) c.db.willModify(key);
  const removed = list.remove(argv[3], count, fromTail);
  if (removed) notify(c.server, NOTIFY.LIST, 'lrem', key, c.db.id);
  if (list.size === 0) c.db.delete(key);
  if (list.size === 0) notify(c.server, NOTIFY.GENERIC, 'del', key, c.db.id);
  c.server.dirty += removed;
  c.integer(removed);
}

function linsertCommand(c: Client, argv: string[]): void {
  const pos = argv[2].toUpperCase();
  if (pos !== 'BEFORE' && pos !== 'AFTER') {
    c.error(E.SYNTAX);
    return;
  }
  const key = argv[1];
  const list = lookupTyped(c, key, 'list');
  if (list === null) return;
  if (list === undefined) {
    c.integer(0);
    return;
  }
  const i = list.indexOf(argv[3]);
  if (i < 0) {
    c.integer(-1);
    return;
  }
  c.db.willModify(key);
  list.insertAt(pos === 'AFTER' ? i + 1 : i, argv[4]);
  signalKeyAsReady(c.db, key);
  notify(c.server, NOTIFY.LIST, 'linsert', key, c.db.id);
  c.server.dirty++;
  c.integer(list.size);
}

// ---- move ------------------------------------------------------------------

function lmoveGeneric(c: Client, src: string, dst: string, from: Where, to: Where): void {
  const list = lookupTyped(c, src, 'list');
  if (list === null) return;
  if (list === undefined) {
    c.nullBulk();
    return;
  }
  moveElement(c, c.db, src, list, dst, from, to);
}

function lmoveCommand(c: Client, argv: string[]): void {
  const from = parseWhere(c, argv[3]);
  if (from === null) return;
  const to = parseWhere(c, argv[4]);
  if (to === null) return;
  lmoveGeneric(c, argv[1], argv[2], from, to);
}

function rpoplpushCommand(c: Client, argv: string[]): void {
  lmoveGeneric(c, argv[1], argv[2], 'RIGHT', 'LEFT');
}

function lmpopCommand(c: Client, argv: string[]): void {
  const args = parseMpopArgs(c, argv, 1, 'left', 'right');
  if (args === null) return;
  for (const key of args.keys) {
    const list = lookupTyped(c, key, 'list');
    if (list === null) return;
    if (list === undefined) continue;
    c.propagateAs = [popRangeWithKey(c, c.db, key, list, args.first ? 'LEFT' : 'RIGHT', args.count)];
    return;
  }
  c.nullArray();
}

export const commands: Record<string, Handler> = {
  lpush: lpushCommand,
  rpush: rpushCommand,
  lpushx: lpushxCommand,
  rpushx: rpushxCommand,
  lpop: lpopCommand,
  rpop: rpopCommand,
  llen: llenCommand,
  lindex: lindexCommand,
  lrange: lrangeCommand,
  lpos: lposCommand,
  lset: lsetCommand,
  ltrim: ltrimCommand,
  lrem: lremCommand,
  linsert: linsertCommand,
  lmove: lmoveCommand,
  rpoplpush: rpoplpushCommand,
  lmpop: lmpopCommand,
  ...blockingCommands,
};
