/**
 * Generic key commands (Redis's db.c): DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN,
 * RANDOMKEY, RENAME, RENAMENX, COPY, MOVE, TOUCH.
 *
 * They work on any value kind and never look inside a value, except COPY,
 * which deep-copies a collection with its clone(). A key keeps its TTL when
 * it is renamed, copied or moved (the absolute expiry time travels with it).
 * Clients blocked on a destination key (BLPOP ...) are woken by the
 * keyspace's keyChanged hook, as Redis's dbAdd signals them.
 *
 *   DEL a b a        -> :1 when only a existed (each key counted once, as deleted)
 *   EXISTS a a       -> :2 (repeated keys are counted again)
 *   SCAN 0 MATCH u:* COUNT 100 TYPE string
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import type { Database } from '../store/database';
import { typeName, type Value } from '../store/types';
import { globMatch } from '../util/glob';
import { parseInt64 } from '../util/numbers';
import { parseScanCursor, parseScanOptions } from './scan';
import { copyEncoding } from './strings-common';
import type { Handler } from './table';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/**
 * Redis's expireIfNeeded on a key found by iteration: deletes it (with the
 * usual expiry side effects) when its time has passed. A key without a TTL,
 * or one already gone, is not expired.
 */
function expireIfNeeded(db: Database, key: string): boolean {
  const when = db.expires.get(key);
  if (when === undefined || when > Date.now()) return false;
  db.get(key); // the lazy path deletes it and propagates the DEL
  return true;
}

// ---- DEL, UNLINK, EXISTS, TOUCH, TYPE -----------------------------------

function delCommand(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    if (c.db.delete(argv[i])) {
      notify(c.server, NOTIFY.GENERIC, 'del', argv[i], c.db.id);
      n++;
    }
  }
  c.server.dirty += n;
  c.integer(n);
}

/**
 * UNLINK has DEL's semantics here: Redis frees big values in a background
 * thread, but dropping a reference in JS is O(1) whatever the value's size
 * (the GC reclaims it incrementally), so the event loop is never blocked.
 * It is still propagated as UNLINK, as Redis does.
 */
const unlinkCommand = delCommand;

/** EXISTS and TOUCH: how many of the keys exist, repeated keys counted again. */
function existsCommand(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    if (c.db.get(argv[i]) !== undefined) n++;
  }
  c.integer(n);
}

function typeCommand(c: Client, argv: string[]): void {
  const v = c.db.get(argv[1]);
  c.simple(v === undefined ? 'none' : typeName(v));
}

// ---- KEYS, SCAN, RANDOMKEY ----------------------------------------------

/** KEYS replies with matching keys that are not expired, without deleting the expired ones. */
function keysCommand(c: Client, argv: string[]): void {
  const pattern = argv[1];
  const all = pattern === '*';
  const db = c.db;
  const data = db.data;
  const expires = db.expires;
  const now = Date.now();
  const out: string[] = [];
  for (let i = 0, n = data.size; i < n; i++) {
    const key = data.keyAt(i);
    if (!all && !globMatch(pattern, key)) continue;
    if (expires.size !== 0) {
      const when = expires.get(key);
      if (when !== undefined && when <= now) continue;
    }
    out.push(key);
  }
  c.bulkArray(out);
}

/** Keys visited by one SCAN step (reused: handlers never run concurrently). */
const scanned: string[] = [];
function collectKey(key: string): void {
  scanned.push(key);
}

function scanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[1]);
  if (cursor === null) {
    c.error(E.INVALID_CURSOR);
    return;
  }
  const opts = parseScanOptions(c, argv, 2, true);
  if (opts === null) return;
  const pattern = opts.pattern;
  const type = opts.type;
  const db = c.db;
  scanned.length = 0;
  const next = db.data.scan(cursor, opts.count, collectKey);
  // Filter as Redis's scanGenericCommand step 3: pattern, then type (a
  // lookup that may expire the key: its type is then 'none'), then expiry.
  const keys: string[] = [];
  for (const key of scanned) {
    if (pattern !== null && !globMatch(pattern, key)) continue;
    if (type !== null) {
      const v = db.get(key);
      if ((v === undefined ? 'none' : typeName(v)) !== type) continue;
    }
    if (expireIfNeeded(db, key)) continue;
    keys.push(key);
  }
  scanned.length = 0;
  c.arrayLen(2);
  c.bulk(String(next));
  c.bulkArray(keys);
}

function randomkeyCommand(c: Client): void {
  c.bulkOrNull(c.db.randomKey());
}

// ---- RENAME, RENAMENX, COPY, MOVE ---------------------------------------

function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const src = argv[1];
  const dst = argv[2];
  const db = c.db;
  const v = db.get(src);
  if (v === undefined) {
    c.error(E.NO_SUCH_KEY);
    return;
  }
  if (src === dst) {
    if (nx) c.integer(0);
    else c.ok();
    return;
  }
  const when = db.getExpire(src);
  if (db.get(dst) !== undefined && nx) {
    c.integer(0);
    return;
  }
  db.set(dst, v); // replaces dst and its TTL
  copyEncoding(db, src, db, dst);
  if (when !== -1) db.setExpire(dst, when);
  db.delete(src);
  c.server.dirty++;
  notify(c.server, NOTIFY.GENERIC, 'rename_from', src, db.id);
  notify(c.server, NOTIFY.GENERIC, 'rename_to', dst, db.id);
  if (nx) c.integer(1);
  else c.ok();
}

function renameCommand(c: Client, argv: string[]): void {
  renameGeneric(c, argv, false);
}

function renamenxCommand(c: Client, argv: string[]): void {
  renameGeneric(c, argv, true);
}

/**
 * A database index argument as getIntFromObjectOrReply + selectDb check it.
 * Returns the database, or null after replying with the error.
 */
function targetDb(c: Client, arg: string): Database | null {
  const id = parseInt64(arg);
  if (id === null) {
    c.error(E.NOT_INTEGER);
    return null;
  }
  if (id < INT_MIN || id > INT_MAX) {
    c.error(E.valueOutOfRange(INT_MIN, INT_MAX));
    return null;
  }
  const db = c.server.dbs[id];
  if (id < 0 || db === undefined) {
    c.error(E.DB_INDEX_OUT_OF_RANGE);
    return null;
  }
  return db;
}

function copyCommand(c: Client, argv: string[]): void {
  const src = c.db;
  let dst = src;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'db' && j + 1 < argv.length) {
      const db = targetDb(c, argv[j + 1]);
      if (db === null) return;
      dst = db;
      j++;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  const key = argv[1];
  const newkey = argv[2];
  if (src === dst && key === newkey) {
    c.error(E.SAME_OBJECT);
    return;
  }
  const v = src.get(key);
  if (v === undefined) {
    c.integer(0);
    return;
  }
  const when = src.getExpire(key);
  if (dst.getForWrite(newkey) !== undefined && !replace) {
    c.integer(0);
    return;
  }
  const copy: Value = typeof v === 'string' ? v : v.clone();
  dst.set(newkey, copy);
  copyEncoding(src, key, dst, newkey);
  if (when !== -1) dst.setExpire(newkey, when);
  c.server.dirty++;
  notify(c.server, NOTIFY.GENERIC, 'copy_to', newkey, dst.id);
  c.integer(1);
}

function moveCommand(c: Client, argv: string[]): void {
  const src = c.db;
  const dst = targetDb(c, argv[2]);
  if (dst === null) return;
  if (src === dst) {
    c.error(E.SAME_OBJECT);
    return;
  }
  const key = argv[1];
  const v = src.get(key);
  if (v === undefined) {
    c.integer(0);
    return;
  }
  const when = src.getExpire(key);
  if (dst.get(key) !== undefined) {
    c.integer(0);
    return;
  }
  dst.set(key, v);
  copyEncoding(src, key, dst, key);
  if (when !== -1) dst.setExpire(key, when);
  src.delete(key);
  c.server.dirty++;
  notify(c.server, NOTIFY.GENERIC, 'move_from', key, src.id);
  notify(c.server, NOTIFY.GENERIC, 'move_to', key, dst.id);
  c.integer(1);
}

export const commands: Record<string, Handler> = {
  del: delCommand,
  unlink: unlinkCommand,
  exists: existsCommand,
  touch: existsCommand,
  type: typeCommand,
  keys: keysCommand,
  scan: scanCommand,
  randomkey: randomkeyCommand,
  rename: renameCommand,
  renamenx: renamenxCommand,
  copy: copyCommand,
  move: moveCommand,
};
