/**
 * Helpers shared by the collection families: the typed key lookup every
 * collection command starts with (Redis's lookupKeyRead/Write + checkType),
 * HDEL/SREM/ZREM's delete-members-and-drop-the-empty-key loop, and the
 * count and `numkeys key... WHERE [COUNT n]` arguments of the pops.
 *
 *   const h = lookupTyped(c, key, 'hash');
 *   if (h === null) return;          // WRONGTYPE already replied
 *   if (h === undefined) { ... }     // no such key
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import type { HashValue } from '../store/hash';
import type { ListValue } from '../store/list';
import type { SetValue } from '../store/set';
import type { ZSetValue } from '../store/zset';
import { parseInt64 } from '../util/numbers';

interface Typed {
  hash: HashValue;
  list: ListValue;
  set: SetValue;
  zset: ZSetValue;
}

export function lookupTyped<T extends keyof Typed>(c: Client, key: string, type: T): Typed[T] | undefined | null {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && v.type === type) return v as Typed[T];
  c.error(E.WRONGTYPE);
  return null;
}

/** A collection whose members (fields) can be deleted one by one. */
interface MemberStore {
  readonly size: number;
  has(member: string): boolean;
  delete(member: string): boolean;
}

/**
 * HDEL, SREM, ZREM: deletes argv[2..] from the collection at argv[1] and
 * replies how many were deleted. The key is dropped when it empties (the
 * remaining arguments are not looked at); `event` (class `cls`) is notified
 * when something was deleted, then `del` when the key went away.
 */
export function removeMembers(c: Client, argv: string[], type: 'hash' | 'set' | 'zset', cls: number, event: string): void {
  const key = argv[1];
  const coll: MemberStore | undefined | null = lookupTyped(c, key, type);
  if (coll === null) return;
  let deleted = 0;
  let removed = false;
  if (coll !== undefined) {
    for (let j = 2; j < argv.length; j++) {
      const m = argv[j];
      if (deleted === 0) {
        // Announce the change only once something will really go.
        if (!coll.has(m)) continue;
        c.db.willModify(key);
      }
      if (!coll.delete(m)) continue;
      deleted++;
      if (coll.size === 0) {
        c.db.delete(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    notify(c.server, cls, event, key, c.db.id);
    if (removed) notify(c.server, NOTIFY.GENERIC, 'del', key, c.db.id);
    c.server.dirty += deleted;
  }
  c.integer(deleted);
}

/**
 * getPositiveLongFromObjectOrReply: a non-negative int64 (the count of
 * LPOP/SPOP/ZPOPMIN..., LPOS's COUNT and MAXLEN, *INTERCARD's LIMIT, DEBUG
 * POPULATE's count), else null after replying `error`: one message for "not
 * a number" and "negative".
 */
export function parsePositiveLong(c: Client, arg: string, error: string = E.VALUE_OUT_OF_RANGE_POSITIVE): number | null {
  const n = parseInt64(arg);
  if (n === null || n < 0) {
    c.error(error);
    return null;
  }
  return n;
}

/** LMPOP/ZMPOP's arguments: `first` tells which of the two WHERE words was given. */
export interface MpopArgs {
  keys: string[];
  first: boolean;
  count: number;
}

/**
 * Parses the `numkeys key... WHERE [COUNT n]` tail of LMPOP/BLMPOP (WHERE is
 * LEFT|RIGHT) and ZMPOP/BZMPOP (MIN|MAX) from argv[at]; numkeys and COUNT
 * are in 1..LONG_MAX (getRangeLongFromObjectOrReply). Returns null after
 * replying an error.
 */
export function parseMpopArgs(c: Client, argv: string[], at: number, first: string, second: string): MpopArgs | null {
  const numkeys = parseInt64(argv[at]);
  if (numkeys === null || numkeys < 1) {
    c.error(E.NUMKEYS_GT_ZERO);
    return null;
  }
  const whereAt = at + numkeys + 1;
  if (whereAt >= argv.length) {
    c.error(E.SYNTAX);
    return null;
  }
  const where = argv[whereAt].toLowerCase();
  if (where !== first && where !== second) {
    c.error(E.SYNTAX);
    return null;
  }
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && argv[j].toLowerCase() === 'count' && j + 1 < argv.length) {
      j++;
      const n = parseInt64(argv[j]);
      if (n === null || n < 1) {
        c.error(E.COUNT_GT_ZERO);
        return null;
      }
      count = n;
    } else {
      c.error(E.SYNTAX);
      return null;
    }
  }
  return { keys: argv.slice(at + 1, whereAt), first: where === first, count: count === -1 ? 1 : count };
}
