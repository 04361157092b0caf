/**
 * Key expiry commands (Redis's expire.c): EXPIRE, PEXPIRE, EXPIREAT,
 * PEXPIREAT with NX/XX/GT/LT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
 *
 * Expiry times are absolute milliseconds (Database.expires). A relative TTL
 * is turned into one against the clock when the command runs, so what is
 * logged is the effect, never the request:
 *
 *   EXPIRE k 10 GT       -> propagated as PEXPIREAT k <now+10000> GT
 *   EXPIRE k -1          -> the key is deleted at once; propagated as DEL k
 *
 * Times are 64-bit in Redis; checks against overflow are exact (BigInt when
 * the argument is large). Times beyond 2^53 ms (about 285,000 years) are
 * stored as the nearest double, so replies about them may differ from Redis
 * in the last digits.
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import { Database } from '../store/database';
import { parseInt64 } from '../util/numbers';
import type { Handler } from './table';

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
/** |argument| below which every step stays an exact double (ms + now < 2^53). */
const FAST_LIMIT = 1e12;

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;

/** parseExtendedExpireArgumentsOrReply: the flag bits, or -1 after replying with the error. */
function parseFlags(c: Client, argv: string[]): number {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'nx') flags |= NX;
    else if (opt === 'xx') flags |= XX;
    else if (opt === 'gt') flags |= GT;
    else if (opt === 'lt') flags |= LT;
    else {
      c.error(E.unsupportedOption(argv[j]));
      return -1;
    }
  }
  if (flags & NX && flags & (XX | GT | LT)) {
    c.error(E.NX_XX_GT_LT);
    return -1;
  }
  if (flags & GT && flags & LT) {
    c.error(E.GT_LT_NX);
    return -1;
  }
  return flags;
}

/**
 * expireGenericCommand. `basetime` is 0 for the *AT forms and now (ms) for
 * the relative ones; `seconds` says the argument's unit.
 */
function expireGeneric(c: Client, argv: string[], basetime: number, seconds: boolean): void {
  const flags = parseFlags(c, argv);
  if (flags < 0) return;
  const arg = parseInt64(argv[2]);
  if (arg === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  // `when` is the absolute time in ms; `whenText` its exact decimal form
  // for the propagated PEXPIREAT.
  let when: number;
  let whenText: string;
  if (arg > -FAST_LIMIT && arg < FAST_LIMIT) {
    when = (seconds ? arg * 1000 : arg) + basetime;
    whenText = String(when);
  } else {
    let w = BigInt(argv[2]);
    if (seconds) {
      // LLONG_MAX / 1000 and LLONG_MIN / 1000 as C truncates them.
      if (w > LLONG_MAX / 1000n || w < LLONG_MIN / 1000n) {
        c.error(E.INVALID_EXPIRE_TIME(commandName(argv)));
        return;
      }
      w *= 1000n;
    }
    if (w > LLONG_MAX - BigInt(basetime)) {
      c.error(E.INVALID_EXPIRE_TIME(commandName(argv)));
      return;
    }
    w += BigInt(basetime);
    when = Number(w);
    whenText = w.toString();
  }

  const key = argv[1];
  const db = c.db;
  if (db.get(key) === undefined) {
    c.integer(0);
    return;
  }
  if (flags !== 0) {
    const current = db.getExpire(key);
    // A key without a TTL (-1) counts as an infinite TTL for GT and LT.
    if (
      (flags & NX && current !== -1) ||
      (flags & XX && current === -1) ||
      (flags & GT && (current === -1 || when <= current)) ||
      (flags & LT && current !== -1 && when >= current)
    ) {
      c.integer(0);
      return;
    }
  }
  c.server.dirty++;
  if (when <= Date.now() && !Database.loading) {
    // Already expired: delete now and log a DEL (lazyfree-lazy-expire is no).
    db.delete(key);
    notify(c.server, NOTIFY.GENERIC, 'del', key, db.id);
    c.propagateAs = [['DEL', key]];
  } else {
    db.setExpire(key, when);
    notify(c.server, NOTIFY.GENERIC, 'expire', key, db.id);
    // Redis rewrites argv[0] to PEXPIREAT and argv[2] to the absolute time
    // and keeps the flags; a PEXPIREAT request is logged as it came.
    if (basetime !== 0 || seconds) {
      const effect = argv.slice();
      effect[0] = 'PEXPIREAT';
      effect[2] = whenText;
      c.propagateAs = [effect];
    }
  }
  c.integer(1);
}

/** The lower-case command name, as Redis's error texts quote it. */
function commandName(argv: string[]): string {
  return argv[0].toLowerCase();
}

function expireCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, Date.now(), true);
}

function pexpireCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, Date.now(), false);
}

function expireatCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, 0, true);
}

function pexpireatCommand(c: Client, argv: string[]): void {
  expireGeneric(c, argv, 0, false);
}

// ---- TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST ------------------------

/** An integer reply for a time in ms that may be beyond 2^53 (clamped to int64). */
function replyTime(c: Client, n: number): void {
  if (Number.isSafeInteger(n)) c.integer(n);
  else {
    const b = BigInt(n);
    c.integer(b > LLONG_MAX ? LLONG_MAX : b);
  }
}

/** ttlGenericCommand: -2 without the key, -1 without a TTL. */
function ttlGeneric(c: Client, argv: string[], ms: boolean, absolute: boolean): void {
  const key = argv[1];
  if (c.db.get(key) === undefined) {
    c.integer(-2);
    return;
  }
  const when = c.db.getExpire(key);
  if (when === -1) {
    c.integer(-1);
    return;
  }
  let t = absolute ? when : when - Date.now();
  if (t < 0) t = 0;
  replyTime(c, ms ? t : Math.floor((t + 500) / 1000));
}

function ttlCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, false, false);
}

function pttlCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, true, false);
}

function expiretimeCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, false, true);
}

function pexpiretimeCommand(c: Client, argv: string[]): void {
  ttlGeneric(c, argv, true, true);
}

function persistCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  if (c.db.get(key) !== undefined && c.db.removeExpire(key)) {
    c.server.dirty++;
    notify(c.server, NOTIFY.GENERIC, 'persist', key, c.db.id);
    c.integer(1);
  } else {
    c.integer(0);
  }
}

export const commands: Record<string, Handler> = {
  expire: expireCommand,
  pexpire: pexpireCommand,
  expireat: expireatCommand,
  pexpireat: pexpireatCommand,
  ttl: ttlCommand,
  pttl: pttlCommand,
  expiretime: expiretimeCommand,
  pexpiretime: pexpiretimeCommand,
  persist: persistCommand,
};
