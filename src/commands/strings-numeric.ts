/**
 * The numeric and comparison string commands (t_string.c): INCR, DECR,
 * INCRBY, DECRBY, INCRBYFLOAT and LCS. Exported into the strings family by
 * ./strings.ts.
 *
 * INCR and friends are exact over the whole int64 range: doubles while the
 * numbers are safe integers, BigInt beyond. INCRBYFLOAT computes in x87
 * long double like Redis on x86-64 (../util/longdouble.ts) and is
 * propagated as `SET key <result> KEEPTTL`.
 *
 *   SET n 9007199254740993; INCR n   ->  :9007199254740994
 *   SET f 8000; INCRBYFLOAT f 1.1    ->  "8001.10000000000000009"
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import { inInt64Range, parseBigInt64, parseInt64 } from '../util/numbers';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble, type LongDouble } from '../util/longdouble';
import { lcsMatches, lcsString, lcsTable, lcsTableBytes } from '../util/lcs';
import { lookupString, markFloat } from './strings-common';
import type { Handler } from './table';

// ---- INCR / DECR -----------------------------------------------------------

/** incrDecrCommand: adds `incr` (a safe integer, or a bigint) to the integer at key. */
function incrDecr(c: Client, key: string, incr: number | bigint): void {
  const v = lookupString(c, key);
  if (v === null) return;
  let result: number | bigint;
  const cur = v === undefined ? 0 : parseInt64(v);
  if (cur === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (typeof incr === 'number' && Number.isSafeInteger(cur) && Number.isSafeInteger(cur + incr)) {
    result = cur + incr;
  } else {
    const exact = v === undefined ? 0n : (parseBigInt64(v) as bigint);
    result = exact + BigInt(incr);
    if (!inInt64Range(result)) {
      c.error(E.OVERFLOW);
      return;
    }
  }
  c.db.set(key, String(result), true);
  c.server.dirty++;
  notify(c.server, NOTIFY.STRING, 'incrby', key, c.db.id);
  c.integer(result);
}

/** The increment argument: a safe integer as a number, a bigint beyond, null after replying. */
function parseIncrement(c: Client, arg: string): number | bigint | null {
  const n = parseInt64(arg);
  if (n === null) {
    c.error(E.NOT_INTEGER);
    return null;
  }
  return Number.isSafeInteger(n) ? n : (parseBigInt64(arg) as bigint);
}

function incrCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], 1);
}

function decrCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], -1);
}

function incrbyCommand(c: Client, argv: string[]): void {
  const incr = parseIncrement(c, argv[2]);
  if (incr !== null) incrDecr(c, argv[1], incr);
}

function decrbyCommand(c: Client, argv: string[]): void {
  const incr = parseIncrement(c, argv[2]);
  if (incr === null) return;
  if (incr === -(2n ** 63n)) {
    c.error(E.DECREMENT_OVERFLOW);
    return;
  }
  incrDecr(c, argv[1], typeof incr === 'number' ? -incr : -incr);
}

// ---- INCRBYFLOAT -------------------------------------------------------------

const LD_ZERO: LongDouble = { neg: false, m: 0n, e: 0 };

function incrbyfloatCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const v = lookupString(c, key);
  if (v === null) return;
  let out: string;
  // Fast path: two integers whose sum is exact in a double is exact in a long double too.
  const a = v === undefined ? 0 : parseInt64(v);
  const b = parseInt64(argv[2]);
  if (a !== null && b !== null && Number.isSafeInteger(a) && Number.isSafeInteger(b) && Number.isSafeInteger(a + b)) {
    out = String(a + b);
  } else {
    const value = v === undefined ? LD_ZERO : parseLongDouble(v);
    const incr = parseLongDouble(argv[2]);
    if (value === null || incr === null) {
      c.error(E.NOT_FLOAT);
      return;
    }
    if ('inf' in value || 'inf' in incr) {
      c.error(E.INCR_NAN_OR_INF);
      return;
    }
    const sum = addLongDouble(value, incr);
    if (sum === null) {
      c.error(E.INCR_NAN_OR_INF);
      return;
    }
    out = formatLongDoubleHuman(sum);
  }
  c.db.set(key, out, true);
  markFloat(c.db, key, out);
  c.server.dirty++;
  notify(c.server, NOTIFY.STRING, 'incrbyfloat', key, c.db.id);
  c.bulk(out);
  c.propagateAs = [['SET', key, out, 'KEEPTTL']];
}

// ---- LCS -------------------------------------------------------------------------

function lcsCommand(c: Client, argv: string[]): void {
  const va = c.db.get(argv[1]);
  const vb = c.db.get(argv[2]);
  if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string')) {
    c.error(E.LCS_NOT_STRINGS);
    return;
  }
  const a = va ?? '';
  const b = vb ?? '';
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'idx') getIdx = true;
    else if (opt === 'len') getLen = true;
    else if (opt === 'withmatchlen') withMatchLen = true;
    else if (opt === 'minmatchlen' && j < argv.length - 1) {
      const n = parseInt64(argv[++j]);
      if (n === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      minMatchLen = n < 0 ? 0 : n;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  if (getLen && getIdx) {
    c.error(E.LCS_LEN_AND_IDX);
    return;
  }
  if (a.length >= 0xfffffffe || b.length >= 0xfffffffe) {
    c.error(E.LCS_TOO_LONG);
    return;
  }
  if (lcsTableBytes(a.length, b.length) > c.server.config.int('proto-max-bulk-len')) {
    c.error(E.LCS_OVER_LIMIT);
    return;
  }
  let table;
  try {
    table = lcsTable(a, b);
  } catch {
    c.error(E.LCS_ALLOC_FAILED);
    return;
  }
  if (getIdx) {
    const matches = lcsMatches(table, minMatchLen);
    c.mapLen(2);
    c.bulk('matches');
    c.arrayLen(matches.length);
    for (const [as, ae, bs, be] of matches) {
      c.arrayLen(withMatchLen ? 3 : 2);
      c.arrayLen(2);
      c.integer(as);
      c.integer(ae);
      c.arrayLen(2);
      c.integer(bs);
      c.integer(be);
      if (withMatchLen) c.integer(ae - as + 1);
    }
    c.bulk('len');
    c.integer(table.len);
  } else if (getLen) {
    c.integer(table.len);
  } else {
    c.bulk(lcsString(table));
  }
}

export const numericCommands: Record<string, Handler> = {
  incr: incrCommand,
  decr: decrCommand,
  incrby: incrbyCommand,
  decrby: decrbyCommand,
  incrbyfloat: incrbyfloatCommand,
  lcs: lcsCommand,
};
