/**
 * RdbDecoder: reads RDB files of versions 1 to 10 (everything Redis 7.0 and
 * its predecessors write) into the store's values, and decodeValue, the
 * inverse of DUMP's payload for RESTORE.
 *
 * Contract with the snapshot layer (startup loading builds on this):
 *   decodeRdb(buf, {
 *     selectDb(id) { ... },
 *     resize(size, expires) { ... },              // optional: RESIZEDB hints
 *     key(key, value, expireAtMs, lru) { ... },   // expireAtMs -1 = no TTL
 *     aux(k, v) { ... },                          // optional: AUX fields
 *   }, { file: 'dump.rdb' });                     // -> { keys }
 * Errors throw RdbError, whose message names the file, the offset and the
 * advice to run kevy-check-rdb. Keys that are already expired are passed on
 * (the sink decides, as Redis skips them only as a master); empty
 * collections are skipped and counted, as Redis 7.0 does.
 *
 * Value types read: 0 string, 1 list, 2 set, 3 zset (scores as text),
 * 4 hash, 5 zset (binary scores), 9 zipmap hash, 10 ziplist list,
 * 11 intset, 12 ziplist zset, 13 ziplist hash, 14 quicklist, 16 listpack
 * hash, 17 listpack zset, 18 quicklist 2 (packed and plain nodes). Modules,
 * streams and functions stop the load with an error naming the key, the
 * type and the offset.
 */
import type { Value } from '../store/types';
import { HashValue } from '../store/hash';
import { ListValue } from '../store/list';
import { SetValue } from '../store/set';
import { ZSetValue } from '../store/zset';
import { parseDouble } from '../util/numbers';
import { crc64Init, crc64Update } from './crc64';
import { PackedError, intsetMembers, listpackEntries, ziplistEntries, zipmapEntries } from './packed';
import * as F from './rdb-format';
import { printable, RdbError, RdbReader } from './rdb-reader';

export { printable, RdbError, RdbReader };

export interface RdbSink {
  selectDb(id: number): void;
  resize?(size: number, expires: number): void;
  key(key: string, value: Value, expireAtMs: number, lru?: { idle?: number; freq?: number }): void;
  aux?(k: string, v: string): void;
}

export interface DecodeOptions {
  /** The file name for error messages. */
  file?: string;
  /** Verify the CRC64 after EOF (rdbchecksum); default true. A stored zero is never checked. */
  checksum?: boolean;
}

export interface DecodeResult {
  keys: number;
  /** Keys whose value was an empty collection (skipped). */
  emptyKeys: number;
  /** RDB version of the file. */
  version: number;
  /** Whether a checksum was present and verified. */
  checksumVerified: boolean;
}

// ---- values --------------------------------------------------------------

/** True for the value types kevy loads. */
export function isLoadableType(t: number): boolean {
  return (t >= 0 && t <= 5) || (t >= 9 && t <= 14) || t === 16 || t === 17 || t === 18;
}

/** rdbIsObjectType of Redis 7.0: any value type an RDB v10 may hold. */
export function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 19);
}

function empty(r: RdbReader, at: number): never {
  const e = new RdbError('Empty keys are not allowed', at);
  e.emptyKey = true;
  throw e;
}

function dup(r: RdbReader, what: string, at: number): never {
  return r.err(`Duplicate ${what} detected`, at);
}

function buildHash(r: RdbReader, flat: string[], at: number): HashValue {
  if (flat.length === 0) empty(r, at);
  if (flat.length % 2 !== 0) r.err('Hash with an odd number of entries', at);
  const h = HashValue.fromPairs(flat);
  if (h === null) dup(r, 'hash fields', at);
  return h;
}

function buildZset(r: RdbReader, flat: string[], at: number): ZSetValue {
  if (flat.length === 0) empty(r, at);
  if (flat.length % 2 !== 0) r.err('Zset with an odd number of entries', at);
  const z = ZSetValue.create(flat.length / 2, 0);
  for (let i = 0; i < flat.length; i += 2) {
    const score = parseDouble(flat[i + 1]);
    if (score === null || Number.isNaN(score)) r.err('Zset with a bad score', at);
    if (!z.add(flat[i], score)) dup(r, 'zset fields', at);
  }
  return z;
}

function buildSet(r: RdbReader, members: string[], at: number): SetValue {
  if (members.length === 0) empty(r, at);
  const s = new SetValue();
  for (const m of members) if (!s.add(m)) dup(r, 'set members', at);
  return s;
}

/** The packed blob at the reader's position, decoded by `fn`. */
function packed(r: RdbReader, fn: (b: Buffer) => string[]): string[] {
  const at = r.pos;
  const blob = r.bytes();
  try {
    return fn(blob);
  } catch (e) {
    if (e instanceof PackedError) r.err(e.message, at);
    throw e;
  }
}

/** rdbLoadObject: the value of type `type` at the reader's position. */
export function readValue(r: RdbReader, type: number): Value {
  const at = r.pos;
  switch (type) {
    case F.TYPE_STRING:
      return r.string();
    case F.TYPE_LIST: {
      const n = r.length();
      if (n === 0) empty(r, at);
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(r.string());
      return ListValue.from(items);
    }
    case F.TYPE_SET: {
      const n = r.length();
      if (n === 0) empty(r, at);
      const s = new SetValue();
      for (let i = 0; i < n; i++) if (!s.add(r.string())) dup(r, 'set members', at);
      return s;
    }
    case F.TYPE_ZSET:
    case F.TYPE_ZSET_2: {
      const n = r.length();
      if (n === 0) empty(r, at);
      const z = ZSetValue.create(n, 0);
      for (let i = 0; i < n; i++) {
        const m = r.string();
        const score = type === F.TYPE_ZSET_2 ? r.doubleLE() : r.textDouble();
        if (Number.isNaN(score)) r.err('Zset with NAN score detected', at);
        if (!z.add(m, score)) dup(r, 'zset fields', at);
      }
      return z;
    }
    case F.TYPE_HASH: {
      const n = r.length();
      if (n === 0) empty(r, at);
      const flat: string[] = [];
      for (let i = 0; i < 2 * n; i++) flat.push(r.string());
      return buildHash(r, flat, at);
    }
    case F.TYPE_HASH_ZIPMAP:
      return buildHash(r, packed(r, zipmapEntries), at);
    case F.TYPE_HASH_ZIPLIST:
      return buildHash(r, packed(r, ziplistEntries), at);
    case F.TYPE_HASH_LISTPACK:
      return buildHash(r, packed(r, listpackEntries), at);
    case F.TYPE_ZSET_ZIPLIST:
      return buildZset(r, packed(r, ziplistEntries), at);
    case F.TYPE_ZSET_LISTPACK:
      return buildZset(r, packed(r, listpackEntries), at);
    case F.TYPE_SET_INTSET:
      return buildSet(r, packed(r, intsetMembers), at);
    case F.TYPE_LIST_ZIPLIST: {
      const items = packed(r, ziplistEntries);
      if (items.length === 0) empty(r, at);
      return ListValue.from(items);
    }
    case F.TYPE_LIST_QUICKLIST:
    case F.TYPE_LIST_QUICKLIST_2: {
      const nodes = r.length();
      if (nodes === 0) empty(r, at);
      const l = new ListValue();
      for (let i = 0; i < nodes; i++) {
        let container = F.QUICKLIST_NODE_PACKED;
        if (type === F.TYPE_LIST_QUICKLIST_2) {
          container = r.length();
          if (container !== F.QUICKLIST_NODE_PACKED && container !== F.QUICKLIST_NODE_PLAIN) {
            r.err('Quicklist integrity check failed');
          }
        }
        if (container === F.QUICKLIST_NODE_PLAIN) {
          l.pushTail(r.string());
          continue;
        }
        // An empty node is skipped, as Redis 7.0 does.
        const items = packed(r, type === F.TYPE_LIST_QUICKLIST ? ziplistEntries : listpackEntries);
        for (const it of items) l.pushTail(it);
      }
      if (l.size === 0) empty(r, at);
      return l;
    }
    default: {
      const name = F.TYPE_NAMES[type];
      if (name !== undefined) return r.err(`Type ${type} (${name}) is not supported by kevy`, at - 1);
      return r.err(`Unknown RDB encoding type ${type}`, at - 1);
    }
  }
}

/**
 * RESTORE's decoder: the value of `type` in `payload` (DUMP's bytes between
 * the type byte and the footer). Throws RdbError on anything malformed,
 * including an empty collection, and trailing bytes unless allowTrailing
 * (Redis's RESTORE decodes from the whole argument, footer included, and
 * ignores what is left).
 */
export function decodeValue(type: number, payload: Buffer, allowTrailing = false): Value {
  const r = new RdbReader(payload);
  const v = readValue(r, type);
  if (!allowTrailing && r.pos !== payload.length) r.err('Trailing bytes after the value');
  return v;
}

// ---- files ---------------------------------------------------------------

/**
 * Reads a whole RDB file, calling the sink for each database, key and AUX
 * field. `progress`, when given, is told the offset of each record and the
 * key being read (kevy-check-rdb reports them).
 */
export function decodeRdb(buf: Buffer, sink: RdbSink, opts: DecodeOptions = {}, progress?: RdbProgress): DecodeResult {
  const r = new RdbReader(buf);
  progress?.attach?.(r);
  try {
    return decodeFile(r, sink, opts.checksum ?? true, progress);
  } catch (e) {
    if (e instanceof RdbError && opts.file !== undefined) {
      e.file = opts.file;
      e.updateMessage();
    }
    throw e;
  }
}

/**
 * Observer for kevy-check-rdb: where the decoder is and what it reads.
 * attach() hands over the reader (its `pos` is the current offset).
 */
export interface RdbProgress {
  attach?(r: RdbReader): void;
  /** A type byte or opcode was read at `offset`. */
  type?(type: number, offset: number): void;
  /** A key name was read; its value comes next. */
  keyStart?(key: string, type: number, offset: number): void;
  /** The stored checksum (0n: saved without one) was read, ending at `offset`; whether it matched. */
  checksum?(offset: number, ok: boolean, stored: bigint): void;
}

function decodeFile(r: RdbReader, sink: RdbSink, verify: boolean, progress?: RdbProgress): DecodeResult {
  const buf = r.buf;
  if (buf.length < 9 || buf.toString('latin1', 0, 5) !== F.RDB_SIGNATURE) r.err('Wrong signature trying to load DB from file', 9);
  const verText = buf.toString('latin1', 5, 9);
  const version = /^[0-9]{4}$/.test(verText) ? Number(verText) : -1;
  if (version < 1 || version > F.RDB_VERSION) r.err(`Can't handle RDB format version ${Number.parseInt(verText, 10) || 0}`, 9);
  r.pos = 9;
  const result: DecodeResult = { keys: 0, emptyKeys: 0, version, checksumVerified: false };
  let expireAt = -1;
  let lru: { idle?: number; freq?: number } | undefined;
  let dbSelected = false;
  for (;;) {
    const at = r.pos;
    const type = r.byte();
    progress?.type?.(type, at);
    switch (type) {
      case F.OPCODE_EXPIRETIME:
        expireAt = r.uint32LE() * 1000;
        continue;
      case F.OPCODE_EXPIRETIME_MS:
        expireAt = r.int64LE();
        continue;
      case F.OPCODE_FREQ:
        lru = { freq: r.byte() };
        continue;
      case F.OPCODE_IDLE:
        lru = { idle: r.length() };
        continue;
      case F.OPCODE_EOF:
        break;
      case F.OPCODE_SELECTDB:
        sink.selectDb(r.length());
        dbSelected = true;
        continue;
      case F.OPCODE_RESIZEDB: {
        const size = r.length();
        const expires = r.length();
        sink.resize?.(size, expires);
        continue;
      }
      case F.OPCODE_AUX: {
        const k = r.string();
        const v = r.string();
        sink.aux?.(k, v);
        continue;
      }
      case F.OPCODE_MODULE_AUX:
        return r.err('Module auxiliary data is not supported by kevy', at);
      case F.OPCODE_FUNCTION:
      case F.OPCODE_FUNCTION2:
        return r.err('Functions are not supported by kevy', at);
      default: {
        if (!isObjectType(type)) r.err(`Unknown RDB encoding type ${type}`, at);
        const key = r.string();
        progress?.keyStart?.(key, type, at);
        if (!dbSelected) {
          sink.selectDb(0);
          dbSelected = true;
        }
        if (!isLoadableType(type)) {
          const e = new RdbError(`Type ${type} (${F.TYPE_NAMES[type] ?? 'unknown'}) is not supported by kevy`, at);
          e.key = key;
          e.valueType = type;
          e.updateMessage();
          throw e;
        }
        let value: Value;
        try {
          value = readValue(r, type);
        } catch (e) {
          if (e instanceof RdbError && e.emptyKey) {
            result.emptyKeys++;
            expireAt = -1;
            lru = undefined;
            continue;
          }
          if (e instanceof RdbError) {
            e.key = key;
            e.valueType = type;
            e.updateMessage();
          }
          throw e;
        }
        sink.key(key, value, expireAt, lru);
        result.keys++;
        expireAt = -1;
        lru = undefined;
        continue;
      }
    }
    break; // EOF
  }
  if (version >= 5) {
    const at = r.pos;
    r.need(8);
    const stored = r.buf.readBigUInt64LE(at);
    r.pos += 8;
    if (verify && stored !== 0n) {
      const crc = crc64Update(crc64Init(), buf, 0, at);
      const computed = (BigInt(crc[1] >>> 0) << 32n) | BigInt(crc[0] >>> 0);
      const ok = computed === stored;
      progress?.checksum?.(r.pos, ok, stored);
      if (!ok) r.err(`Wrong RDB checksum expected: (${stored.toString(16)}) got (${computed.toString(16)})`);
      result.checksumVerified = true;
    } else {
      progress?.checksum?.(r.pos, true, stored);
    }
  }
  return result;
}
