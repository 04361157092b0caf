/**
 * DUMP and RESTORE (Redis's cluster.c): a value serialized as Redis 7.0
 * does, so a payload moves between kevy and redis-server in both ways.
 *
 *   payload = <type byte> <value as in an RDB file> <RDB version, 2 bytes LE> <CRC64 of all before, 8 bytes LE>
 *
 * DUMP writes kevy's plain RDB types (see ../persistence/rdb-encode.ts);
 * RESTORE reads every type Redis 7.0 can put in a payload (listpack,
 * intset, quicklist ...). As in Redis, the value is decoded from the whole
 * argument, footer included, and bytes left over are not an error.
 *
 *   DUMP k                               -> "\x00\x05hello\n\x00..."
 *   RESTORE k2 0 <payload> REPLACE       -> +OK
 *   RESTORE k3 5000 <payload>            -> +OK, propagated as RESTORE k3 <now+5000> <payload> ABSTTL
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { notify, NOTIFY } from '../server/notify';
import { crc64Bytes, crc64Init, crc64Update } from '../persistence/crc64';
import { encodeValue } from '../persistence/rdb-encode';
import { decodeValue, isObjectType, RdbError } from '../persistence/rdb-decode';
import { RDB_VERSION } from '../persistence/rdb-format';
import { Database } from '../store/database';
import type { Value } from '../store/types';
import { parseBigInt64 } from '../util/numbers';
import type { Handler } from './table';

const INT64_MAX = 0x7fffffffffffffffn;
const UINT64 = 0x10000000000000000n;

/** rdbcompression (yes unless the directive exists and says no). */
function rdbCompression(c: Client): boolean {
  try {
    return c.server.config.get('rdbcompression') !== 'no';
  } catch {
    return true;
  }
}

/** createDumpPayload. */
export function dumpPayload(value: Value, compress: boolean): Buffer {
  const { type, payload } = encodeValue(value, compress);
  const out = Buffer.allocUnsafe(1 + payload.length + 10);
  out[0] = type;
  payload.copy(out, 1);
  let p = 1 + payload.length;
  out[p++] = RDB_VERSION & 0xff;
  out[p++] = (RDB_VERSION >> 8) & 0xff;
  const crc = crc64Update(crc64Init(), out, 0, p);
  crc64Bytes(crc).copy(out, p);
  return out;
}

/** verifyDumpPayload: a footer is present, its version is not newer than ours, its CRC64 matches. */
export function verifyDumpPayload(p: Buffer): boolean {
  const len = p.length;
  if (len < 10) return false;
  const version = p[len - 10] | (p[len - 9] << 8);
  if (version > RDB_VERSION) return false;
  const crc = crc64Bytes(crc64Update(crc64Init(), p, 0, len - 8));
  return crc.equals(p.subarray(len - 8));
}

/** The value in a verified payload, or null when Redis would say "Bad data format". */
export function restorePayload(p: Buffer): Value | null {
  const type = p[0];
  if (!isObjectType(type)) return null;
  try {
    return decodeValue(type, p.subarray(1), true);
  } catch (e) {
    if (e instanceof RdbError) return null;
    throw e;
  }
}

function dumpCommand(c: Client, argv: string[]): void {
  const v = c.db.get(argv[1]);
  if (v === undefined) {
    c.nullBulk();
    return;
  }
  c.bulk(dumpPayload(v, rdbCompression(c)).toString('latin1'));
}

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
function restoreCommand(c: Client, argv: string[]): void {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = argv.length - j - 1;
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'absttl') {
      absttl = true;
    } else if (opt === 'idletime' && more >= 1 && freq === -1) {
      const n = parseBigInt64(argv[j + 1]);
      if (n === null) return c.error(E.NOT_INTEGER);
      if (n < 0n) return c.error(E.RESTORE_INVALID_IDLETIME);
      idle = Number(n);
      j++;
    } else if (opt === 'freq' && more >= 1 && idle === -1) {
      const n = parseBigInt64(argv[j + 1]);
      if (n === null) return c.error(E.NOT_INTEGER);
      if (n < 0n || n > 255n) return c.error(E.RESTORE_INVALID_FREQ);
      freq = Number(n);
      j++;
    } else {
      return c.error(E.SYNTAX);
    }
  }
  const db = c.db;
  const key = argv[1];
  if (!replace && db.get(key) !== undefined) return c.error(E.BUSYKEY);
  const ttlArg = parseBigInt64(argv[2]);
  if (ttlArg === null) return c.error(E.NOT_INTEGER);
  if (ttlArg < 0n) return c.error(E.RESTORE_INVALID_TTL);
  const payload = Buffer.from(argv[3], 'latin1');
  if (!verifyDumpPayload(payload)) return c.error(E.DUMP_PAYLOAD_INVALID);
  const value = restorePayload(payload);
  if (value === null) return c.error(E.BAD_DATA_FORMAT);

  const deleted = replace && db.delete(key);
  const now = Date.now();
  let when = ttlArg;
  if (when !== 0n && !absttl) {
    when += BigInt(now);
    if (when > INT64_MAX) when -= UINT64; // long long wraps around, as in Redis
  }
  if (when !== 0n && when <= BigInt(now) && !Database.loading) {
    // Already expired (not while loading the AOF, as checkAlreadyExpired): nothing is created; a replaced key is gone (a DEL).
    if (deleted) {
      c.propagateAs = [['DEL', key]];
      notify(c.server, NOTIFY.GENERIC, 'del', key, db.id);
      c.server.dirty++;
    }
    c.ok();
    return;
  }
  db.set(key, value);
  if (when !== 0n) {
    db.setExpire(key, Number(when));
    if (!absttl) {
      const effect = argv.slice();
      effect[2] = when.toString();
      effect.push('ABSTTL');
      c.propagateAs = [effect];
    }
  }
  // IDLETIME/FREQ are checked but not applied: kevy keeps no per-key LRU/LFU field yet.
  notify(c.server, NOTIFY.GENERIC, 'restore', key, db.id);
  c.server.dirty++;
  c.ok();
}

export const commands: Record<string, Handler> = {
  dump: dumpCommand,
  restore: restoreCommand,
};
