/**
 * RdbEncoder: writes an RDB version 10 stream (the layout is in
 * ./rdb-format.ts), and encodeValue, the value payload DUMP uses.
 *
 * Contract with the snapshot layer (SAVE/BGSAVE build on this):
 *   const enc = new RdbEncoder({ compress: true, checksum: true });
 *   enc.header({ 'redis-ver': '7.0.15', 'redis-bits': 64, ctime: 1700000000, 'used-mem': 1e6, 'aof-base': 0 });
 *   enc.selectDb(0, db.size, db.expires.size);
 *   enc.key('k', 'v', -1);             // -1: no TTL; else the absolute expiry in ms
 *   file.write(Buffer.concat(enc.take()));   // take() as often as wanted
 *   enc.footer();                      // EOF + CRC64 (zeros when checksum is off)
 *   file.write(Buffer.concat(enc.take()));
 *
 * Values are written in the plain RDB types (0 string, 1 list, 2 set,
 * 4 hash, 5 zset with binary doubles), which every Redis since 2.x (and
 * 7.0) loads, converting small collections to its compact encodings.
 * Strings that are canonical integers in int32 range use the int
 * encodings; strings longer than 20 bytes are LZF-compressed when
 * `compress` is on and it saves more than 4 bytes, as rdbSaveRawString
 * does. Empty collections are never written (Redis skips them on load).
 *
 * Bytes accumulate in chunks; take() hands over the bytes produced since
 * the previous take() (views into the chunks, never rewritten afterwards),
 * and the CRC64 runs over each slice as it is handed over or sealed.
 */
import type { Value } from '../store/types';
import type { HashValue } from '../store/hash';
import type { ListValue } from '../store/list';
import type { SetValue } from '../store/set';
import type { ZSetValue } from '../store/zset';
import { crc64Bytes, crc64Init, crc64Update, type Crc64State } from './crc64';
import { lzfCompress, newLzfTable, type LzfTable } from './lzf';
import * as F from './rdb-format';

const CHUNK = 64 * 1024;
/** Strings at least this long are written as their own Buffer, not copied into a chunk. */
const BIG_STRING = 16 * 1024;
/**
 * Strings up to this long are copied a char at a time: Buffer#write's
 * argument checks and call into C++ cost more than the copy for a typical
 * key or small value (a third of the main thread's time during a BGSAVE
 * of 1M keys under a SET load was in Buffer#write's layers).
 */
const SHORT_STRING = 64;

export interface RdbEncoderOptions {
  /** LZF-compress strings longer than 20 bytes (rdbcompression). */
  compress: boolean;
  /** Write the CRC64 after EOF (rdbchecksum); zeros otherwise. */
  checksum: boolean;
  /** When set, key() skips keys whose expiry is at or before this time (ms). */
  now?: number;
  /** Size of the first chunk (small for a DUMP of one value). */
  initialChunk?: number;
  /**
   * Compress with the process-wide LZF table (DUMP, as Redis's main
   * process does). Off by default: a snapshot gets a table of its own, as a
   * Redis BGSAVE child does, so saving leaves DUMP's output unchanged.
   */
  sharedLzfTable?: boolean;
}

export class RdbEncoder {
  private readonly compress: boolean;
  private readonly checksum: boolean;
  private readonly now: number;
  private readonly lzfTable: LzfTable | undefined;
  private readonly crc: Crc64State = crc64Init();
  /** Slices finished and not yet taken. */
  private out: Buffer[] = [];
  private buf: Buffer;
  /** buf[start..pos) is produced but not yet sealed into `out`. */
  private start = 0;
  private pos = 0;
  /** Bytes produced so far. */
  written = 0;
  /** written when take() last ran. */
  private taken = 0;

  constructor(opts: RdbEncoderOptions) {
    this.compress = opts.compress;
    this.checksum = opts.checksum;
    this.now = opts.now ?? -Infinity;
    this.buf = Buffer.allocUnsafe(opts.initialChunk ?? CHUNK);
    this.lzfTable = opts.sharedLzfTable ? undefined : newLzfTable();
  }

  // ---- the stream -----------------------------------------------------

  /** The signature REDIS0010 and one AUX field per entry (numbers as integer strings). */
  header(aux: Record<string, string | number>): void {
    this.raw(Buffer.from(F.RDB_SIGNATURE + String(F.RDB_VERSION).padStart(4, '0'), 'latin1'));
    for (const k of Object.keys(aux)) {
      const v = aux[k];
      this.byte(F.OPCODE_AUX);
      this.string(k);
      this.string(typeof v === 'number' ? String(Math.trunc(v)) : v);
    }
  }

  /** SELECTDB id, then RESIZEDB with the expected key and TTL counts (hints for the loader). */
  selectDb(id: number, size: number, expires: number): void {
    this.byte(F.OPCODE_SELECTDB);
    this.length(id);
    this.byte(F.OPCODE_RESIZEDB);
    this.length(size);
    this.length(expires);
  }

  /**
   * One key: EXPIRETIME_MS when expireAtMs >= 0, the type byte, the key and
   * the value. Returns false (and writes nothing) for an empty collection,
   * or for a key already expired at `now` when the encoder was given one.
   */
  key(key: string, value: Value, expireAtMs: number): boolean {
    if (typeof value !== 'string' && value.size === 0) return false;
    if (expireAtMs >= 0) {
      if (expireAtMs <= this.now) return false;
      this.byte(F.OPCODE_EXPIRETIME_MS);
      this.int64LE(expireAtMs);
    }
    this.byte(typeOf(value));
    this.string(key);
    this.value(value);
    return true;
  }

  /** EOF and the CRC64 of every byte before it, little endian (zeros when checksum is off). */
  footer(): void {
    this.byte(F.OPCODE_EOF);
    this.seal();
    this.rawUnchecked(this.checksum ? crc64Bytes(this.crc) : Buffer.alloc(8));
  }

  /** The bytes produced since the last take(). */
  take(): Buffer[] {
    this.seal();
    const out = this.out;
    this.out = [];
    this.taken = this.written;
    return out;
  }

  /** Bytes produced since the last take() (a caller may wait for enough of them: ./pointintime.ts TAKE_BYTES). */
  get pending(): number {
    return this.written - this.taken + this.pos - this.start;
  }

  // ---- values ----------------------------------------------------------

  /** The value payload of rdbSaveObject (no type byte). */
  value(v: Value): void {
    if (typeof v === 'string') {
      this.string(v);
      return;
    }
    switch (v.type) {
      case 'list': {
        const l = v as ListValue;
        const n = l.size;
        this.length(n);
        for (let i = 0; i < n; i++) this.string(l.at(i)!);
        break;
      }
      case 'set': {
        const s = v as SetValue;
        const m = s.members();
        this.length(m.length);
        for (let i = 0; i < m.length; i++) this.string(m[i]);
        break;
      }
      case 'hash': {
        const h = v as HashValue;
        const n = h.size;
        this.length(n);
        h.forEach((f, val) => {
          this.string(f);
          this.string(val);
        });
        break;
      }
      case 'zset': {
        // From the highest score down, as Redis writes it (its loader then
        // inserts each element at the head of the skip list).
        const z = v as ZSetValue;
        this.length(z.size);
        z.forEachReverse((m, sc) => {
          this.string(m);
          this.doubleLE(sc);
        });
        break;
      }
    }
  }

  // ---- primitives -------------------------------------------------------

  /** An RDB length: 6 bits, 14 bits, 32 bits or 64 bits. */
  length(n: number): void {
    if (n < 1 << 6) {
      this.byte(n);
    } else if (n < 1 << 14) {
      this.ensure(2);
      this.buf[this.pos++] = 0x40 | (n >> 8);
      this.buf[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      this.ensure(5);
      this.buf[this.pos++] = F.LEN_32BIT;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      this.ensure(9);
      this.buf[this.pos++] = F.LEN_64BIT;
      this.buf.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** A string (rdbSaveRawString): int encoding, LZF, or length + bytes. */
  string(s: string): void {
    const len = s.length;
    if (len <= 11 && len > 0 && this.intString(s)) return;
    if (this.compress && len > F.LZF_MIN_LEN) {
      const bytes = Buffer.from(s, 'latin1');
      const c = lzfCompress(bytes, len - 4, this.lzfTable);
      if (c !== null) {
        this.byte((F.LEN_ENCVAL << 6) | F.ENC_LZF);
        this.length(c.length);
        this.length(len);
        this.raw(c);
        return;
      }
      this.length(len);
      this.raw(bytes);
      return;
    }
    this.length(len);
    if (len >= BIG_STRING) {
      this.raw(Buffer.from(s, 'latin1'));
    } else if (len <= SHORT_STRING) {
      this.ensure(len);
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < len; i++) buf[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.ensure(len);
      this.pos += this.buf.write(s, this.pos, len, 'latin1');
    }
  }

  /**
   * rdbTryIntegerEncoding: a canonical decimal integer (what string2ll
   * accepts and ll2string gives back) that fits in 32 bits is written as
   * int8/int16/int32. Returns false when s is not one.
   */
  private intString(s: string): boolean {
    const c0 = s.charCodeAt(0);
    let i = c0 === 45 ? 1 : 0;
    if (i === s.length) return false;
    const first = s.charCodeAt(i);
    if (first === 48 && (s.length > 1 || i === 1)) return false; // "0" only; no "-0", no leading zeros
    for (; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch < 48 || ch > 57) return false;
    }
    const v = Number(s);
    if (v >= -128 && v <= 127) {
      this.ensure(2);
      this.buf[this.pos++] = (F.LEN_ENCVAL << 6) | F.ENC_INT8;
      this.buf.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      this.ensure(3);
      this.buf[this.pos++] = (F.LEN_ENCVAL << 6) | F.ENC_INT16;
      this.buf.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      this.ensure(5);
      this.buf[this.pos++] = (F.LEN_ENCVAL << 6) | F.ENC_INT32;
      this.buf.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else {
      return false;
    }
    return true;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private int64LE(n: number): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(Math.trunc(n)), this.pos);
    this.pos += 8;
  }

  private doubleLE(d: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** Appends bytes (checksummed). */
  private raw(b: Buffer): void {
    if (b.length >= BIG_STRING) {
      this.seal();
      crc64Update(this.crc, b);
      this.out.push(b);
      this.written += b.length;
      return;
    }
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** Appends bytes that are not part of the checksum (the checksum itself). */
  private rawUnchecked(b: Buffer): void {
    this.seal();
    this.out.push(b);
    this.written += b.length;
  }

  /** Makes room for n bytes in the current chunk. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.seal();
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.start = 0;
    this.pos = 0;
  }

  /** Moves buf[start..pos) to `out`, checksummed. */
  private seal(): void {
    if (this.pos === this.start) return;
    const slice = this.buf.subarray(this.start, this.pos);
    crc64Update(this.crc, slice);
    this.out.push(slice);
    this.written += slice.length;
    this.start = this.pos;
  }
}

/** The RDB type byte kevy writes for a value. */
export function typeOf(v: Value): number {
  if (typeof v === 'string') return F.TYPE_STRING;
  switch (v.type) {
    case 'list':
      return F.TYPE_LIST;
    case 'set':
      return F.TYPE_SET;
    case 'hash':
      return F.TYPE_HASH;
    case 'zset':
      return F.TYPE_ZSET_2;
  }
}

/**
 * The serialized value DUMP wraps (type byte apart): rdbSaveObject's bytes.
 * `compress` follows rdbcompression (on by default, as in Redis).
 */
export function encodeValue(value: Value, compress = true): { type: number; payload: Buffer } {
  const enc = new RdbEncoder({ compress, checksum: false, initialChunk: 256, sharedLzfTable: true });
  enc.value(value);
  const parts = enc.take();
  return { type: typeOf(value), payload: parts.length === 1 ? parts[0] : Buffer.concat(parts) };
}
