/**
 * Operations shared by the list commands (./list.ts) and the blocking list
 * commands (./list-blocking.ts): typed lookup, push with key creation and
 * ready-key signalling, pop with deletion of the emptied key, the LMOVE core
 * and the LMPOP reply. Every write goes through the narrow path
 * (db.set / db.delete / db.willModify before an in-place change).
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import { signalKeyAsReady } from '../server/blocking';
import type { Database } from '../store/database';
import { ListValue } from '../store/list';

export type Where = 'LEFT' | 'RIGHT';

/** The list at key in db if it is one (no reply): for serving blocked clients. */
export function listAt(db: Database, key: string): ListValue | undefined {
  const v = db.get(key);
  if (v === undefined || typeof v === 'string' || v.type !== 'list') return undefined;
  return v as ListValue;
}

/** LEFT/RIGHT (any case), or null after replying a syntax error. */
export function parseWhere(c: Client, s: string): Where | null {
  const u = s.toUpperCase();
  if (u === 'LEFT' || u === 'RIGHT') return u;
  c.error(E.SYNTAX);
  return null;
}

/** Pushes values onto key's list (list = its current value, or undefined to create it). */
export function pushValues(db: Database, key: string, list: ListValue | undefined, values: readonly string[], start: number, head: boolean): ListValue {
  let l = list;
  if (l === undefined) l = new ListValue(values.length - start);
  else db.willModify(key);
  if (head) for (let i = start; i < values.length; i++) l.pushHead(values[i]);
  else for (let i = start; i < values.length; i++) l.pushTail(values[i]);
  if (list === undefined) db.set(key, l);
  signalKeyAsReady(db, key);
  return l;
}

/** Pops one element from a non-empty list at key, deleting the key once empty. */
export function popOne(db: Database, key: string, list: ListValue, head: boolean): string {
  db.willModify(key);
  const v = (head ? list.popHead() : list.popTail()) as string;
  if (list.size === 0) db.delete(key);
  return v;
}

/** Pops up to count elements from a non-empty list at key (deleting it once empty). */
export function popMany(db: Database, key: string, list: ListValue, head: boolean, count: number): string[] {
  db.willModify(key);
  const n = Math.min(count, list.size);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = (head ? list.popHead() : list.popTail()) as string;
  if (list.size === 0) db.delete(key);
  return out;
}

/**
 * LMPOP / BLMPOP: pops up to count from a non-empty list, replies
 * [key, [elements]] and returns the effect to propagate (LPOP/RPOP key n).
 */
export function popRangeWithKey(c: Client, db: Database, key: string, list: ListValue, where: Where, count: number): string[] {
  const head = where === 'LEFT';
  const items = popMany(db, key, list, head, count);
  notify(c.server, NOTIFY.LIST, head ? 'lpop' : 'rpop', key, db.id);
  if (list.size === 0) notify(c.server, NOTIFY.GENERIC, 'del', key, db.id);
  c.arrayLen(2);
  c.bulk(key);
  c.bulkArray(items);
  c.server.dirty++;
  return [head ? 'LPOP' : 'RPOP', key, String(items.length)];
}

/**
 * The LMOVE core, for a non-empty source list: checks the destination type
 * (replies WRONGTYPE and returns false), pops, pushes, replies the element.
 */
export function moveElement(c: Client, db: Database, src: string, list: ListValue, dst: string, from: Where, to: Where): boolean {
  const dv = db.get(dst);
  let dlist: ListValue | undefined;
  if (dv !== undefined) {
    if (typeof dv === 'string' || dv.type !== 'list') {
      c.error(E.WRONGTYPE);
      return false;
    }
    dlist = dv as ListValue;
  }
  db.willModify(src);
  const v = (from === 'LEFT' ? list.popHead() : list.popTail()) as string;
  // Pushing before deleting the source keeps a one-element rotation (src == dst) alive.
  if (dlist === undefined) {
    dlist = new ListValue();
    dlist.pushHead(v);
    db.set(dst, dlist);
  } else {
    db.willModify(dst);
    if (to === 'LEFT') dlist.pushHead(v);
    else dlist.pushTail(v);
  }
  signalKeyAsReady(db, dst);
  notify(c.server, NOTIFY.LIST, to === 'LEFT' ? 'lpush' : 'rpush', dst, db.id);
  notify(c.server, NOTIFY.LIST, from === 'LEFT' ? 'lpop' : 'rpop', src, db.id);
  if (list.size === 0) db.delete(src);
  if (list.size === 0) notify(c.server, NOTIFY.GENERIC, 'del', src, db.id);
  c.bulk(v);
  c.server.dirty++;
  return true;
}
