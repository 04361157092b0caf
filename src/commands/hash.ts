/**
 * Hash commands (t_hash.c): HSET, HSETNX, HMSET, HGET, HMGET, HDEL, HLEN,
 * HSTRLEN, HEXISTS, HKEYS, HVALS, HGETALL, HINCRBY, HINCRBYFLOAT,
 * HRANDFIELD, HSCAN. The value type is ../store/hash.ts.
 *
 *
 *   HSET h f v      -> :1        HGETALL h (RESP3) -> %1 f v
 *   HINCRBYFLOAT h n 1.5         is propagated as HSET h n <result>
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import { HashValue } from '../store/hash';
import { globMatch } from '../util/glob';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble, type LongDouble } from '../util/longdouble';
import { inInt64Range, parseBigInt64, parseInt64 } from '../util/numbers';
import { distinctRandomIndexes } from '../util/random';
import { parseScanCursor, parseScanOptions, replyEmptyScan } from './scan';
import type { Handler } from './table';
import { lookupTyped, removeMembers } from './lookup';

const LONG_MAX = 9223372036854775807n;

// ---- writes --------------------------------------------------------------

function hsetGeneric(c: Client, argv: string[], name: string): void {
  if (argv.length % 2 === 1) {
    c.error(E.wrongArity(name));
    return;
  }
  const key = argv[1];
  const existing = lookupTyped(c, key, 'hash');
  if (existing === null) return;
  let created = 0;
  if (existing === undefined) {
    const h = new HashValue();
    for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i], argv[i + 1])) created++;
    c.db.set(key, h);
  } else {
    c.db.willModify(key);
    for (let i = 2; i < argv.length; i += 2) if (existing.set(argv[i], argv[i + 1])) created++;
  }
  notify(c.server, NOTIFY.HASH, 'hset', key, c.db.id);
  c.server.dirty += (argv.length - 2) / 2;
  if (name === 'hset') c.integer(created);
  else c.ok();
}

function hsetCommand(c: Client, argv: string[]): void {
  hsetGeneric(c, argv, 'hset');
}

function hmsetCommand(c: Client, argv: string[]): void {
  hsetGeneric(c, argv, 'hmset');
}

function hsetnxCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = lookupTyped(c, key, 'hash');
  if (h === null) return;
  if (h === undefined) {
    const nh = new HashValue();
    nh.set(argv[2], argv[3]);
    c.db.set(key, nh);
  } else {
    if (h.has(argv[2])) {
      c.integer(0);
      return;
    }
    c.db.willModify(key);
    h.set(argv[2], argv[3]);
  }
  notify(c.server, NOTIFY.HASH, 'hset', key, c.db.id);
  c.server.dirty++;
  c.integer(1);
}

function hdelCommand(c: Client, argv: string[]): void {
  removeMembers(c, argv, 'hash', NOTIFY.HASH, 'hdel');
}

function hincrbyCommand(c: Client, argv: string[]): void {
  const incr = parseInt64(argv[3]);
  if (incr === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  const key = argv[1];
  const h = lookupTyped(c, key, 'hash');
  if (h === null) return;
  const field = argv[2];
  const cur = h === undefined ? undefined : h.get(field);
  let result: string;
  if (cur === undefined) {
    result = argv[3];
  } else {
    const v = parseInt64(cur);
    if (v === null) {
      c.error(E.HASH_VALUE_NOT_INTEGER);
      return;
    }
    const sum = v + incr;
    if (Number.isSafeInteger(v) && Number.isSafeInteger(incr) && Number.isSafeInteger(sum)) {
      result = String(sum);
    } else {
      const big = parseBigInt64(cur)! + parseBigInt64(argv[3])!;
      if (!inInt64Range(big)) {
        c.error(E.OVERFLOW);
        return;
      }
      result = String(big);
    }
  }
  storeIncrement(c, key, h, field, result, 'hincrby');
  c.out += ':' + result + '\r\n';
}

/** HINCRBY/HINCRBYFLOAT: writes the new value (creating the hash if needed), notifies, counts the change. */
function storeIncrement(c: Client, key: string, h: HashValue | undefined, field: string, result: string, event: string): void {
  if (h === undefined) {
    const nh = new HashValue();
    nh.set(field, result);
    c.db.set(key, nh);
  } else {
    c.db.willModify(key);
    h.set(field, result);
  }
  notify(c.server, NOTIFY.HASH, event, key, c.db.id);
  c.server.dirty++;
}

const LD_ZERO: LongDouble = { neg: false, m: 0n, e: 0 };

/**
 * HINCRBYFLOAT adds in x87 long double, as Redis does (../util/longdouble),
 * and is propagated as HSET key field <result>.
 */
function hincrbyfloatCommand(c: Client, argv: string[]): void {
  const incr = parseLongDouble(argv[3]);
  if (incr === null) {
    c.error(E.NOT_FLOAT);
    return;
  }
  if ('inf' in incr) {
    c.error(E.VALUE_NAN_OR_INF);
    return;
  }
  const key = argv[1];
  const h = lookupTyped(c, key, 'hash');
  if (h === null) return;
  const field = argv[2];
  const cur = h === undefined ? undefined : h.get(field);
  let result: string;
  // Fast path: two integers whose sum is exact in a double is exact in a long double too.
  const a = cur === undefined ? 0 : parseInt64(cur);
  const b = parseInt64(argv[3]);
  if (a !== null && b !== null && Number.isSafeInteger(a) && Number.isSafeInteger(b) && Number.isSafeInteger(a + b)) {
    result = String(a + b);
  } else {
    const value = cur === undefined ? LD_ZERO : parseLongDouble(cur);
    if (value === null) {
      c.error(E.HASH_VALUE_NOT_FLOAT);
      return;
    }
    const sum = 'inf' in value ? null : addLongDouble(value, incr);
    if (sum === null) {
      c.error(E.INCR_NAN_OR_INF);
      return;
    }
    result = formatLongDoubleHuman(sum);
  }
  storeIncrement(c, key, h, field, result, 'hincrbyfloat');
  // The effect, not the request: replaying the float sum could round differently.
  c.propagateAs = [['HSET', key, field, result]];
  c.bulk(result);
}

// ---- reads ---------------------------------------------------------------

function hgetCommand(c: Client, argv: string[]): void {
  const h = lookupTyped(c, argv[1], 'hash');
  if (h === null) return;
  c.bulkOrNull(h === undefined ? undefined : h.get(argv[2]));
}

function hmgetCommand(c: Client, argv: string[]): void {
  const h = lookupTyped(c, argv[1], 'hash');
  if (h === null) return;
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.bulkOrNull(h === undefined ? undefined : h.get(argv[i]));
}

function hlenCommand(c: Client, argv: string[]): void {
  const h = lookupTyped(c, argv[1], 'hash');
  if (h === null) return;
  c.integer(h === undefined ? 0 : h.size);
}

function hstrlenCommand(c: Client, argv: string[]): void {
  const h = lookupTyped(c, argv[1], 'hash');
  if (h === null) return;
  const v = h === undefined ? undefined : h.get(argv[2]);
  c.integer(v === undefined ? 0 : v.length);
}

function hexistsCommand(c: Client, argv: string[]): void {
  const h = lookupTyped(c, argv[1], 'hash');
  if (h === null) return;
  c.integer(h !== undefined && h.has(argv[2]) ? 1 : 0);
}

const KEYS = 1;
const VALUES = 2;

function hgetallGeneric(c: Client, key: string, what: number): void {
  const h = lookupTyped(c, key, 'hash');
  if (h === null) return;
  const n = h === undefined ? 0 : h.size;
  if (what === (KEYS | VALUES)) c.mapLen(n);
  else c.arrayLen(n);
  if (h === undefined) return;
  let out = '';
  h.forEach((f, v) => {
    if (what & KEYS) out += '$' + f.length + '\r\n' + f + '\r\n';
    if (what & VALUES) out += '$' + v.length + '\r\n' + v + '\r\n';
  });
  c.out += out;
}

function hkeysCommand(c: Client, argv: string[]): void {
  hgetallGeneric(c, argv[1], KEYS);
}

function hvalsCommand(c: Client, argv: string[]): void {
  hgetallGeneric(c, argv[1], VALUES);
}

function hgetallCommand(c: Client, argv: string[]): void {
  hgetallGeneric(c, argv[1], KEYS | VALUES);
}

/**
 * One HRANDFIELD element: a bulk, or a field/value pair (an array of 2 in
 * RESP3). `flat` is the listpack's entries taken once ([f, v, ...]; its
 * index access is O(i)), null for a hashtable.
 */
function replyField(c: Client, h: HashValue, flat: string[] | null, i: number, withValues: boolean): void {
  if (withValues && c.resp === 3) c.arrayLen(2);
  c.bulk(flat !== null ? flat[2 * i] : h.fieldAt(i));
  if (withValues) c.bulk(flat !== null ? flat[2 * i + 1] : h.valueAt(i));
}

function hrandfieldCommand(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    const h = lookupTyped(c, argv[1], 'hash');
    if (h === null) return;
    if (h === undefined) c.nullBulk();
    else c.bulk(h.fieldAt(h.randomIndex()));
    return;
  }
  const l = parseBigInt64(argv[2]);
  if (l === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (l < -LONG_MAX) {
    c.error(E.COUNT_OUT_OF_LONG_RANGE);
    return;
  }
  if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withvalues')) {
    c.error(E.SYNTAX);
    return;
  }
  const withValues = argv.length === 4;
  if (withValues && (l < -LONG_MAX / 2n || l > LONG_MAX / 2n)) {
    c.error(E.VALUE_OUT_OF_RANGE);
    return;
  }
  const h = lookupTyped(c, argv[1], 'hash');
  if (h === null) return;
  if (h === undefined || l === 0n) {
    c.arrayLen(0);
    return;
  }
  const unique = l > 0n;
  const count = Number(unique ? l : -l);
  const size = h.size;
  const perElement = withValues && c.resp === 2 ? 2 : 1;
  const flat = h.encoding() === 'listpack' ? h.toArray() : null;
  // Negative count (or 1): independent picks, repetitions allowed.
  if (!unique || count === 1) {
    c.arrayLen(count * perElement);
    for (let n = 0; n < count; n++) replyField(c, h, flat, h.randomIndex(), withValues);
    return;
  }
  // Count covers the hash: all of it, in iteration order.
  if (count >= size) {
    c.arrayLen(size * perElement);
    for (let i = 0; i < size; i++) replyField(c, h, flat, i, withValues);
    return;
  }
  const picks = distinctRandomIndexes(size, count);
  c.arrayLen(count * perElement);
  for (const i of picks) replyField(c, h, flat, i, withValues);
}

/** Fields/values found by one HSCAN step (reused: handlers never run concurrently). */
const scanned: string[] = [];
function collectPair(field: string, value: string): void {
  scanned.push(field, value);
}

function hscanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]);
  if (cursor === null) {
    c.error(E.INVALID_CURSOR);
    return;
  }
  const h = lookupTyped(c, argv[1], 'hash');
  if (h === null) return;
  if (h === undefined) {
    replyEmptyScan(c);
    return;
  }
  const opts = parseScanOptions(c, argv, 3);
  if (opts === null) return;
  scanned.length = 0;
  const next = h.scan(cursor, opts.count, collectPair);
  let n = 0;
  let body = '';
  for (let i = 0; i < scanned.length; i += 2) {
    const f = scanned[i];
    if (opts.pattern !== null && !globMatch(opts.pattern, f)) continue;
    const v = scanned[i + 1];
    body += '$' + f.length + '\r\n' + f + '\r\n$' + v.length + '\r\n' + v + '\r\n';
    n += 2;
  }
  scanned.length = 0;
  c.arrayLen(2);
  c.bulk(String(next));
  c.arrayLen(n);
  c.out += body;
}

export const commands: Record<string, Handler> = {
  hset: hsetCommand,
  hmset: hmsetCommand,
  hsetnx: hsetnxCommand,
  hdel: hdelCommand,
  hincrby: hincrbyCommand,
  hincrbyfloat: hincrbyfloatCommand,
  hget: hgetCommand,
  hmget: hmgetCommand,
  hlen: hlenCommand,
  hstrlen: hstrlenCommand,
  hexists: hexistsCommand,
  hkeys: hkeysCommand,
  hvals: hvalsCommand,
  hgetall: hgetallCommand,
  hrandfield: hrandfieldCommand,
  hscan: hscanCommand,
};
