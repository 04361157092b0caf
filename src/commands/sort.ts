/**
 * SORT and SORT_RO (sort.c) over lists, sets and sorted sets.
 *
 *   SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE dst]
 *
 * - Numeric sort (default): every value must read as a double (strtod up to
 *   the end; ERANGE refused), else "One or more scores can't be converted
 *   into double". Equal numbers order by the element's bytes.
 * - ALPHA: byte order (Redis uses strcoll, which in the C/C.UTF-8 locale it
 *   runs under compares bytes up to the first NUL; with STORE it compares
 *   whole binary strings).
 * - BY pattern: the first `*` is replaced by the element and the key read
 *   (a string, or a hash field with `key->field`); a pattern without `*`
 *   skips sorting (`BY nosort`): lists and sorted sets keep their order, a
 *   set is still sorted (ALPHA) when storing, so the result is deterministic.
 * - GET pattern (repeatable): `#` is the element itself; missing values are
 *   nulls in the reply and empty strings in a STORE.
 * - STORE dst writes a list (deleting dst when the result is empty) and
 *   replies with its length. SORT_RO has no STORE.
 * - Like Redis, sorting a sorted set converts it to the skiplist encoding.
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { notify, NOTIFY } from '../server/notify';
import { HashValue } from '../store/hash';
import { ListValue } from '../store/list';
import { SetValue } from '../store/set';
import type { Database } from '../store/database';
import { ZSetValue } from '../store/zset';
import { parseDoubleToNul, parseInt64, strtodErange } from '../util/numbers';
import type { Handler } from './table';

interface SortItem {
  elem: string;
  score: number;
  /** The BY value for ALPHA sorting by pattern (null when missing). */
  cmp: string | null;
}

/** The C string view of s (up to its first NUL), as strchr/strstr/strcoll see it. */
function cstr(s: string): string {
  const nul = s.indexOf('\x00');
  return nul < 0 ? s : s.slice(0, nul);
}

/** lookupKeyByPattern: the string the pattern names for elem, or null. */
function lookupByPattern(db: Database, pattern: string, elem: string): string | null {
  const p = cstr(pattern);
  if (p === '#') return elem;
  const star = p.indexOf('*');
  if (star < 0) return null;
  const arrow = p.indexOf('->', star + 1);
  let field: string | null = null;
  let postfixEnd = pattern.length;
  if (arrow >= 0 && arrow + 2 < p.length) {
    field = pattern.slice(arrow + 2);
    postfixEnd = arrow;
  }
  const key = pattern.slice(0, star) + elem + pattern.slice(star + 1, postfixEnd);
  const v = db.get(key);
  if (v === undefined) return null;
  if (field !== null) {
    if (!(v instanceof HashValue)) return null;
    return v.get(field) ?? null;
  }
  return typeof v === 'string' ? v : null;
}

/** Binary compare (compareStringObjects). */
function cmpBinary(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C locale: bytes up to the first NUL. */
function cmpColl(a: string, b: string): number {
  return cmpBinary(cstr(a), cstr(b));
}

function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: string | null = null;
  let storekey: string | null = null;
  const gets: string[] = [];
  for (let j = 2; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const left = argv.length - j - 1;
    if (opt === 'asc') desc = false;
    else if (opt === 'desc') desc = true;
    else if (opt === 'alpha') alpha = true;
    else if (opt === 'limit' && left >= 2) {
      const s = parseInt64(argv[j + 1]);
      const n = s === null ? null : parseInt64(argv[j + 2]);
      if (s === null || n === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      limitStart = s;
      limitCount = n;
      j += 2;
    } else if (!readonly && opt === 'store' && left >= 1) {
      storekey = argv[++j];
    } else if (opt === 'by' && left >= 1) {
      sortby = argv[++j];
      if (cstr(sortby).indexOf('*') < 0) dontsort = true;
    } else if (opt === 'get' && left >= 1) {
      gets.push(argv[++j]);
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  const db = c.db;
  const v = db.get(argv[1]);
  if (v !== undefined && !(v instanceof ListValue) && !(v instanceof SetValue) && !(v instanceof ZSetValue)) {
    c.error(E.WRONGTYPE);
    return;
  }
  // An unsorted set would come out in hash order: sort it when storing, so the effect is deterministic.
  if (dontsort && v instanceof SetValue && storekey !== null) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  if (v instanceof ZSetValue) v.listpack = false;
  let len = v === undefined ? 0 : v.size;
  let start = limitStart < 0 ? 0 : limitStart;
  let end = limitCount < 0 ? len - 1 : start + limitCount - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  const items: SortItem[] = [];
  const push = (elem: string) => items.push({ elem, score: 0, cmp: null });
  if (v instanceof ListValue && dontsort) {
    if (end >= start) {
      const size = v.size;
      const n = end - start + 1;
      for (let k = 0; k < n; k++) push(v.at(desc ? size - start - 1 - k : start + k)!);
      end -= start;
      start = 0;
    }
  } else if (v instanceof ListValue) {
    for (const e of v.toArray()) push(e);
  } else if (v instanceof SetValue) {
    for (const e of v.members()) push(e);
  } else if (v instanceof ZSetValue && dontsort) {
    if (end >= start) {
      let n = end - start + 1;
      v.walk(desc ? v.size - 1 - start : start, desc, (m) => {
        push(m);
        return --n > 0;
      });
      end -= start;
      start = 0;
    }
  } else if (v instanceof ZSetValue) {
    v.forEach(push);
  }
  len = items.length;

  let convError = false;
  if (!dontsort) {
    for (const it of items) {
      let by: string | null = it.elem;
      if (sortby !== null) {
        by = lookupByPattern(db, sortby, it.elem);
        if (by === null) continue;
      }
      if (alpha) {
        if (sortby !== null) it.cmp = by;
      } else {
        const d = parseDoubleToNul(by);
        if (d === null || strtodErange()) convError = true;
        else it.score = d;
      }
    }
    const sign = desc ? -1 : 1;
    const byPattern = sortby !== null;
    const store = storekey !== null;
    items.sort((a, b) => {
      let r: number;
      if (!alpha) {
        r = a.score > b.score ? 1 : a.score < b.score ? -1 : cmpBinary(a.elem, b.elem);
      } else if (byPattern) {
        if (a.cmp === null || b.cmp === null) r = a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
        else r = store ? cmpBinary(a.cmp, b.cmp) : cmpColl(a.cmp, b.cmp);
      } else {
        r = store ? cmpBinary(a.elem, b.elem) : cmpColl(a.elem, b.elem);
      }
      return r * sign;
    });
  }

  const count = end - start + 1;
  const outputLen = gets.length > 0 ? gets.length * count : count;
  if (convError) {
    c.error(E.SORT_SCORE_NOT_DOUBLE);
    return;
  }
  if (storekey === null) {
    c.arrayLen(outputLen);
    for (let j = start; j <= end; j++) {
      const elem = items[j].elem;
      if (gets.length === 0) c.bulk(elem);
      for (const g of gets) c.bulkOrNull(lookupByPattern(db, g, elem));
    }
    return;
  }
  const out = new ListValue();
  for (let j = start; j <= end; j++) {
    const elem = items[j].elem;
    if (gets.length === 0) out.pushTail(elem);
    for (const g of gets) out.pushTail(lookupByPattern(db, g, elem) ?? '');
  }
  if (outputLen > 0) {
    db.set(storekey, out);
    notify(c.server, NOTIFY.LIST, 'sortstore', storekey, db.id);
    c.server.dirty += outputLen;
  } else if (db.delete(storekey)) {
    notify(c.server, NOTIFY.GENERIC, 'del', storekey, db.id);
    c.server.dirty++;
  }
  c.integer(outputLen);
}

export const commands: Record<string, Handler> = {
  sort: (c, argv) => sortGeneric(c, argv, false),
  sort_ro: (c, argv) => sortGeneric(c, argv, true),
};
