/**
 * String commands (t_string.c): GET, SET and its variants, GETEX, GETDEL,
 * GETSET, MGET/MSET/MSETNX. APPEND, STRLEN, GETRANGE/SUBSTR and SETRANGE
 * live in ./strings-range.ts, the counters (INCR..., INCRBYFLOAT) and LCS in
 * ./strings-numeric.ts; both are exported from here as one family. The
 * shared helpers are in ./strings-common.ts, the bitmap commands in ./bits.ts.
 *
 * A string value is a latin1 JS string. Writes go through c.db.set (which
 * drops the TTL unless keepTtl) and are propagated as their effect when it
 * differs from the request: SET/SETEX/PSETEX with an expire become
 * `SET key value PXAT <abs-ms>`, GETEX becomes PEXPIREAT / PERSIST / DEL,
 * GETDEL becomes DEL, GETSET becomes SET, SET ... GET loses its GET.
 *
 *   SET k v EX 10 NX GET   ->   reply: old value or nil;  AOF: SET k v PXAT 1700000010000
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import { Database } from '../store/database';
import { parseInt64 } from '../util/numbers';
import type { Handler } from './table';
import { checkStringLength, lookupString } from './strings-common';
import { numericCommands } from './strings-numeric';
import { rangeCommands } from './strings-range';

// ---- SET / GETEX option parsing (parseExtendedStringArgumentsOrReply) --------

const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const PERSIST = 16;
const EX = 32;
const PX = 64;
const EXAT = 128;
const PXAT = 256;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;

/** Output of parseOptions (module state: the server is single-threaded). */
let optFlags = 0;
let optExpire: string | null = null;

/** Parses the options from argv[start]; false after replying a syntax error. */
function parseOptions(c: Client, argv: string[], start: number, isSet: boolean): boolean {
  let flags = 0;
  let expire: string | null = null;
  for (let j = start; j < argv.length; j++) {
    const opt = argv[j].length <= 7 ? argv[j].toLowerCase() : '';
    const hasNext = j < argv.length - 1;
    let f = 0;
    switch (opt) {
      case 'nx':
        if (isSet && !(flags & XX)) f = NX;
        break;
      case 'xx':
        if (isSet && !(flags & NX)) f = XX;
        break;
      case 'get':
        if (isSet) f = GET;
        break;
      case 'keepttl':
        if (isSet && !(flags & (PERSIST | ANY_EXPIRE))) f = KEEPTTL;
        break;
      case 'persist':
        if (!isSet && !(flags & (KEEPTTL | ANY_EXPIRE))) f = PERSIST;
        break;
      // The same unit may repeat (the last one wins); mixing units may not.
      case 'ex':
        if (hasNext && !(flags & (KEEPTTL | PERSIST | PX | EXAT | PXAT))) f = EX;
        break;
      case 'px':
        if (hasNext && !(flags & (KEEPTTL | PERSIST | EX | EXAT | PXAT))) f = PX;
        break;
      case 'exat':
        if (hasNext && !(flags & (KEEPTTL | PERSIST | EX | PX | PXAT))) f = EXAT;
        break;
      case 'pxat':
        if (hasNext && !(flags & (KEEPTTL | PERSIST | EX | PX | EXAT))) f = PXAT;
        break;
    }
    if (f === 0) {
      c.error(E.SYNTAX);
      return false;
    }
    flags |= f;
    if (f & ANY_EXPIRE) expire = argv[++j];
  }
  optFlags = flags;
  optExpire = expire;
  return true;
}

const LLONG_MAX = 9223372036854775807n;

/**
 * getExpireMillisecondsOrReply: the absolute expiry in ms (a bigint only
 * when it is beyond 2^53), or null after replying the error.
 */
function absoluteExpire(c: Client, arg: string, flags: number, cmd: string): number | bigint | null {
  const n = parseInt64(arg);
  if (n === null) {
    c.error(E.NOT_INTEGER);
    return null;
  }
  const seconds = (flags & (EX | EXAT)) !== 0;
  const relative = (flags & (EX | PX)) !== 0;
  if (n > 0 && n < 1e12) {
    // Exact in a double: n * 1000 + now stays far below 2^53.
    let ms = seconds ? n * 1000 : n;
    if (relative) ms += Date.now();
    return ms;
  }
  let b = BigInt(arg);
  if (b <= 0n || (seconds && b > LLONG_MAX / 1000n)) {
    c.error(E.INVALID_EXPIRE_TIME(cmd));
    return null;
  }
  if (seconds) b *= 1000n;
  if (relative) b = BigInt.asIntN(64, b + BigInt(Date.now())); // C overflow wraps negative
  if (b <= 0n) {
    c.error(E.INVALID_EXPIRE_TIME(cmd));
    return null;
  }
  return b;
}

// ---- SET family -------------------------------------------------------------

const REPLY_OK = 0;
const REPLY_ONE_ZERO = 1; // SETNX: :1 when set, :0 when not

/** setGenericCommand. `argv` is the request (for the GET-less propagation). */
function setGeneric(
  c: Client, argv: string[], flags: number, key: string, val: string,
  expire: string | null, cmd: string, reply: number,
): void {
  let when: number | bigint | null = null;
  if (expire !== null) {
    when = absoluteExpire(c, expire, flags, cmd);
    if (when === null) return;
  }
  const db = c.db;
  // A plain SET needs no lookup: set() replaces whatever is there. Only
  // GET's lookup counts as a keyspace hit/miss (getGenericCommand).
  const old = flags & GET ? db.get(key) : flags & (NX | XX) ? db.getForWrite(key) : undefined;
  if (flags & GET) {
    if (old !== undefined && typeof old !== 'string') {
      c.error(E.WRONGTYPE);
      return;
    }
    c.bulkOrNull(old);
  }
  const found = old !== undefined;
  if (((flags & NX) && found) || ((flags & XX) && !found)) {
    if (!(flags & GET)) {
      if (reply === REPLY_ONE_ZERO) c.integer(0);
      else c.nullBulk();
    }
    return;
  }
  db.set(key, val, (flags & KEEPTTL) !== 0);
  c.server.dirty++;
  notify(c.server, NOTIFY.STRING, 'set', key, db.id);
  if (when !== null) {
    db.setExpire(key, Number(when));
    notify(c.server, NOTIFY.GENERIC, 'expire', key, db.id);
    c.propagateAs = [['SET', key, val, 'PXAT', String(when)]];
  } else if (flags & GET) {
    const out: string[] = [];
    for (let j = 0; j < argv.length; j++) {
      if (j >= 3 && argv[j].length === 3 && argv[j].toLowerCase() === 'get') continue;
      out.push(argv[j]);
    }
    c.propagateAs = [out];
  }
  if (!(flags & GET)) {
    if (reply === REPLY_ONE_ZERO) c.integer(1);
    else c.ok();
  }
}

function setCommand(c: Client, argv: string[]): void {
  if (argv.length > 3 && !parseOptions(c, argv, 3, true)) return;
  const flags = argv.length > 3 ? optFlags : 0;
  const expire = argv.length > 3 ? optExpire : null;
  setGeneric(c, argv, flags, argv[1], argv[2], expire, 'set', REPLY_OK);
}

function setnxCommand(c: Client, argv: string[]): void {
  setGeneric(c, argv, NX, argv[1], argv[2], null, 'setnx', REPLY_ONE_ZERO);
}

function setexCommand(c: Client, argv: string[]): void {
  setGeneric(c, argv, EX, argv[1], argv[3], argv[2], 'setex', REPLY_OK);
}

function psetexCommand(c: Client, argv: string[]): void {
  setGeneric(c, argv, PX, argv[1], argv[3], argv[2], 'psetex', REPLY_OK);
}

// ---- GET family ---------------------------------------------------------------

function getCommand(c: Client, argv: string[]): void {
  const v = c.db.get(argv[1]);
  if (v === undefined) c.nullBulk();
  else if (typeof v !== 'string') c.error(E.WRONGTYPE);
  else c.bulk(v);
}

function getexCommand(c: Client, argv: string[]): void {
  if (!parseOptions(c, argv, 2, false)) return;
  const flags = optFlags;
  const expire = optExpire;
  const key = argv[1];
  const v = lookupString(c, key);
  if (v === null) return;
  if (v === undefined) {
    c.nullBulk();
    return;
  }
  let when: number | bigint | null = null;
  if (expire !== null) {
    when = absoluteExpire(c, expire, flags, 'getex');
    if (when === null) return;
  }
  c.bulk(v);
  const db = c.db;
  if ((flags & (EXAT | PXAT)) && Number(when) <= Date.now() && !Database.loading) {
    // An absolute time already past: the key goes now.
    db.delete(key);
    c.server.dirty++;
    notify(c.server, NOTIFY.GENERIC, 'del', key, db.id);
    c.propagateAs = [['DEL', key]];
  } else if (when !== null) {
    db.setExpire(key, Number(when));
    c.server.dirty++;
    notify(c.server, NOTIFY.GENERIC, 'expire', key, db.id);
    c.propagateAs = [['PEXPIREAT', key, String(when)]];
  } else if (flags & PERSIST) {
    if (db.removeExpire(key)) {
      c.server.dirty++;
      notify(c.server, NOTIFY.GENERIC, 'persist', key, db.id);
      c.propagateAs = [['PERSIST', key]];
    }
  }
}

function getdelCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const v = lookupString(c, key);
  if (v === null) return;
  c.bulkOrNull(v);
  if (v !== undefined && c.db.delete(key)) {
    c.server.dirty++;
    notify(c.server, NOTIFY.GENERIC, 'del', key, c.db.id);
    c.propagateAs = [['DEL', key]];
  }
}

function getsetCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const v = lookupString(c, key);
  if (v === null) return;
  c.bulkOrNull(v);
  c.db.set(key, argv[2]);
  c.server.dirty++;
  notify(c.server, NOTIFY.STRING, 'set', key, c.db.id);
  c.propagateAs = [['SET', key, argv[2]]];
}

function mgetCommand(c: Client, argv: string[]): void {
  const db = c.db;
  c.arrayLen(argv.length - 1);
  for (let j = 1; j < argv.length; j++) {
    const v = db.get(argv[j]);
    if (typeof v === 'string') c.bulk(v);
    else c.nullBulk();
  }
}

function msetGeneric(c: Client, argv: string[], nx: boolean): void {
  if (argv.length % 2 === 0) {
    c.error(E.wrongArity(nx ? 'msetnx' : 'mset'));
    return;
  }
  const db = c.db;
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) {
      if (db.get(argv[j]) !== undefined) {
        c.integer(0);
        return;
      }
    }
  }
  for (let j = 1; j < argv.length; j += 2) {
    db.set(argv[j], argv[j + 1]);
    notify(c.server, NOTIFY.STRING, 'set', argv[j], db.id);
  }
  c.server.dirty += (argv.length - 1) / 2;
  if (nx) c.integer(1);
  else c.ok();
}

function msetCommand(c: Client, argv: string[]): void {
  msetGeneric(c, argv, false);
}

function msetnxCommand(c: Client, argv: string[]): void {
  msetGeneric(c, argv, true);
}

export const commands: Record<string, Handler> = {
  get: getCommand,
  set: setCommand,
  setnx: setnxCommand,
  setex: setexCommand,
  psetex: psetexCommand,
  getex: getexCommand,
  getdel: getdelCommand,
  getset: getsetCommand,
  mget: mgetCommand,
  mset: msetCommand,
  msetnx: msetnxCommand,
  ...rangeCommands,
  ...numericCommands,
};
