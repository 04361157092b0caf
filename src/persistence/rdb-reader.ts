/**
 * RdbReader: bounds-checked reads of RDB primitives (lengths, strings with
 * their int and LZF encodings, doubles) over one buffer, and RdbError, what
 * every read failure throws (the offset, the file, the key being read).
 *
 *   const r = new RdbReader(buf);
 *   r.length();   // an RDB length: 6, 14, 32 or 64 bits
 *   r.string();   // a latin1 string; int8/16/32 encodings as decimal text
 */
import { parseDouble } from '../util/numbers';
import { lzfDecompress } from './lzf';
import * as F from './rdb-format';
import { latin1 } from '../util/latin1';

export class RdbError extends Error {
  /** Set when the failure is an empty collection (Redis skips such a key when loading a file). */
  emptyKey = false;
  /** The key being read when it failed, and its RDB type. */
  key?: string;
  valueType?: number;
  constructor(
    readonly reason: string,
    public offset: number,
    public file?: string,
  ) {
    super(reason);
    this.updateMessage();
  }

  updateMessage(): void {
    const what = this.key === undefined ? this.reason : `${this.reason} (key '${printable(this.key)}', type ${this.valueType})`;
    this.message =
      this.file === undefined
        ? `${what} (at offset ${this.offset})`
        : `Bad RDB file ${this.file} at offset ${this.offset}: ${what}. ` +
          `Run kevy-check-rdb ${this.file} for details; fix or remove the file to start.`;
  }
}

/** A bounds-checked reader over one buffer. */
export class RdbReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  err(reason: string, at = this.pos): never {
    throw new RdbError(reason, at);
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) this.err('Unexpected EOF reading RDB file');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  /** A length; `encoded` is the special-encoding number when the 11xxxxxx form is used, else -1. */
  lengthOrEncoding(): { len: number; encoded: number } {
    const b = this.byte();
    const kind = b >> 6;
    if (kind === F.LEN_ENCVAL) return { len: 0, encoded: b & 0x3f };
    return { len: this.lengthRest(b), encoded: -1 };
  }

  length(): number {
    const b = this.byte();
    if (b >> 6 === F.LEN_ENCVAL) this.err('Unexpected encoded length');
    return this.lengthRest(b);
  }

  private lengthRest(b: number): number {
    const kind = b >> 6;
    if (kind === F.LEN_6BIT) return b & 0x3f;
    if (kind === F.LEN_14BIT) return ((b & 0x3f) << 8) | this.byte();
    if (b === F.LEN_32BIT) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (b === F.LEN_64BIT) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.err('Length too large');
      return Number(v);
    }
    return this.err(`Unknown length encoding ${b} in rdbLoadLen()`);
  }

  /** A string as raw bytes (int encodings become their decimal text). */
  bytes(): Buffer {
    const start = this.pos;
    const { len, encoded } = this.lengthOrEncoding();
    if (encoded < 0) {
      this.need(len);
      const out = this.buf.subarray(this.pos, this.pos + len);
      this.pos += len;
      return out;
    }
    switch (encoded) {
      case F.ENC_INT8:
        this.need(1);
        return Buffer.from(String(this.buf.readInt8(this.pos++)), 'latin1');
      case F.ENC_INT16: {
        this.need(2);
        const v = this.buf.readInt16LE(this.pos);
        this.pos += 2;
        return Buffer.from(String(v), 'latin1');
      }
      case F.ENC_INT32: {
        this.need(4);
        const v = this.buf.readInt32LE(this.pos);
        this.pos += 4;
        return Buffer.from(String(v), 'latin1');
      }
      case F.ENC_LZF: {
        const clen = this.length();
        const ulen = this.length();
        this.need(clen);
        const out = lzfDecompress(this.buf.subarray(this.pos, this.pos + clen), ulen);
        if (out === null) this.err('Invalid LZF compressed string', start);
        this.pos += clen;
        return out;
      }
      default:
        return this.err(`Unknown RDB string encoding type ${encoded}`, start);
    }
  }

  /** A string as a latin1 JS string. */
  string(): string {
    const start = this.pos;
    const b = this.byte();
    if (b >> 6 !== F.LEN_ENCVAL) {
      const len = this.lengthRest(b);
      this.need(len);
      const s = latin1(this.buf, this.pos, this.pos + len);
      this.pos += len;
      return s;
    }
    this.pos = start;
    return this.bytes().toString('latin1');
  }

  uint32LE(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  int64LE(): number {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return Number(v);
  }

  doubleLE(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** rdbLoadDoubleValue: RDB_TYPE_ZSET's text scores (253 NaN, 254 +inf, 255 -inf). */
  textDouble(): number {
    const len = this.byte();
    if (len === 255) return -Infinity;
    if (len === 254) return Infinity;
    if (len === 253) return NaN;
    this.need(len);
    const s = latin1(this.buf, this.pos, this.pos + len);
    this.pos += len;
    const d = parseDouble(s);
    if (d === null) this.err('Bad double value');
    return d;
  }
}

/** A key for a message: printable ASCII kept, other bytes as \xHH. */
export function printable(s: string): string {
  let out = '';
  const n = Math.min(s.length, 128);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    out += c >= 32 && c < 127 && c !== 92 ? s[i] : '\\x' + c.toString(16).padStart(2, '0');
  }
  return s.length > n ? out + '...' : out;
}
