/**
 * Bitmap commands (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
 * BITFIELD, BITFIELD_RO. A bitmap is an ordinary string value; bit 0 is the
 * most significant bit of the first byte.
 *
 * Writing a bit rebuilds the string (values are immutable latin1 strings),
 * so a write costs O(length of the string): fine for the usual bitmaps of a
 * few KB, slow for very large ones (see the note in the report of this
 * change). BITFIELD and BITOP work on one Buffer per command.
 *
 *   SETBIT k 7 1      -> :0   (k is now "\x01")
 *   BITFIELD k INCRBY u4 #1 3 GET u8 0
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import { parseBigInt64, parseInt64 } from '../util/numbers';
import {
  Overflow, countBits, findBit, readSigned, readUnsigned, signedOverflow, unsignedOverflow, writeBits,
} from '../util/bitmap';
import { checkStringLength, lookupString, markRaw } from './strings-common';
import type { Handler } from './table';

/**
 * getBitOffsetFromArgument: a bit offset, `#n` meaning n * bits when `bits`
 * is given (BITFIELD); null after replying the error.
 */
function parseBitOffset(c: Client, arg: string, bits = 0): number | null {
  const hash = bits > 0 && arg.charCodeAt(0) === 35; /* # */
  let off = parseBigInt64(hash ? arg.slice(1) : arg);
  if (off !== null && hash) off = BigInt.asIntN(64, off * BigInt(bits)); // C multiplication wraps
  if (off === null || off < 0n || off >> 3n >= BigInt(c.server.config.int('proto-max-bulk-len'))) {
    c.error(E.BIT_OFFSET);
    return null;
  }
  return Number(off);
}

/** The string at key zero-padded to hold bit `maxBit`; null after an error reply. */
function stringForBitWrite(c: Client, key: string, maxBit: number): { s: string; grown: boolean } | null {
  const v = lookupString(c, key);
  if (v === null) return null;
  const need = Math.floor(maxBit / 8) + 1;
  const s = v ?? '';
  if (s.length >= need && v !== undefined) return { s, grown: false };
  if (!checkStringLength(c, need)) return null;
  return { s: s.length >= need ? s : s + '\0'.repeat(need - s.length), grown: true };
}

function setbitCommand(c: Client, argv: string[]): void {
  const offset = parseBitOffset(c, argv[2]);
  if (offset === null) return;
  const on = parseInt64(argv[3]);
  if (on === null || (on !== 0 && on !== 1)) {
    c.error(E.BIT_VALUE);
    return;
  }
  const key = argv[1];
  const t = stringForBitWrite(c, key, offset);
  if (t === null) return;
  const byte = Math.floor(offset / 8);
  const shift = 7 - (offset % 8);
  const old = t.s.charCodeAt(byte);
  const bitval = (old >> shift) & 1;
  if (t.grown || bitval !== on) {
    const nb = on ? old | (1 << shift) : old & ~(1 << shift);
    c.db.set(key, t.s.slice(0, byte) + String.fromCharCode(nb) + t.s.slice(byte + 1), true);
    notify(c.server, NOTIFY.STRING, 'setbit', key, c.db.id);
    c.server.dirty++;
  }
  markRaw(c.db, key, t.s.length);
  c.integer(bitval);
}

function getbitCommand(c: Client, argv: string[]): void {
  const offset = parseBitOffset(c, argv[2]);
  if (offset === null) return;
  const v = lookupString(c, argv[1]);
  if (v === null) return;
  const byte = Math.floor(offset / 8);
  if (v === undefined || byte >= v.length) c.integer(0);
  else c.integer((v.charCodeAt(byte) >> (7 - (offset % 8))) & 1);
}

function bitopCommand(c: Client, argv: string[]): void {
  const op = argv[1].toLowerCase();
  if (op !== 'and' && op !== 'or' && op !== 'xor' && op !== 'not') {
    c.error(E.SYNTAX);
    return;
  }
  if (op === 'not' && argv.length !== 4) {
    c.error(E.BITOP_NOT_ONE_KEY);
    return;
  }
  const srcs: string[] = [];
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const v = lookupString(c, argv[j]);
    if (v === null) return;
    const s = v ?? '';
    srcs.push(s);
    if (s.length > maxlen) maxlen = s.length;
  }
  const dest = argv[2];
  if (maxlen === 0) {
    if (c.db.delete(dest)) {
      notify(c.server, NOTIFY.GENERIC, 'del', dest, c.db.id);
      c.server.dirty++;
    }
    c.integer(0);
    return;
  }
  const res = Buffer.alloc(maxlen);
  const first = srcs[0];
  if (op === 'not') {
    for (let i = 0; i < maxlen; i++) res[i] = ~first.charCodeAt(i) & 0xff;
  } else {
    res.write(first, 'latin1');
    for (let k = 1; k < srcs.length; k++) {
      const s = srcs[k];
      const n = s.length;
      // Bytes past the end of a shorter string count as zero.
      if (op === 'and') {
        for (let i = 0; i < n; i++) res[i] &= s.charCodeAt(i);
        res.fill(0, n);
      } else if (op === 'or') {
        for (let i = 0; i < n; i++) res[i] |= s.charCodeAt(i);
      } else {
        for (let i = 0; i < n; i++) res[i] ^= s.charCodeAt(i);
      }
    }
  }
  c.db.set(dest, res.toString('latin1'));
  markRaw(c.db, dest, maxlen);
  notify(c.server, NOTIFY.STRING, 'set', dest, c.db.id);
  c.server.dirty++;
  c.integer(maxlen);
}

/** Parses a [start, end] range of BITCOUNT/BITPOS into bits inside a string of len bytes. */
function bitRange(start: number, end: number, isBit: boolean, len: number): [number, number] {
  const total = isBit ? len * 8 : len;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  return isBit ? [start, end] : [start * 8, end * 8 + 7];
}

/** BIT or BYTE: true for BIT, false for BYTE, null after a syntax error. */
function parseUnit(c: Client, arg: string): boolean | null {
  const u = arg.toLowerCase();
  if (u === 'bit') return true;
  if (u === 'byte') return false;
  c.error(E.SYNTAX);
  return null;
}

function bitcountCommand(c: Client, argv: string[]): void {
  // Redis 7.0 looks the key up before parsing the range.
  const v = lookupString(c, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    c.integer(0);
    return;
  }
  if (argv.length === 2) {
    c.integer(v.length === 0 ? 0 : countBits(v, 0, v.length * 8 - 1));
    return;
  }
  if (argv.length !== 4 && argv.length !== 5) {
    c.error(E.SYNTAX);
    return;
  }
  const start = parseInt64(argv[2]);
  const end = parseInt64(argv[3]);
  if (start === null || end === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (start < 0 && end < 0 && start > end) {
    c.integer(0);
    return;
  }
  const isBit = argv.length === 5 ? parseUnit(c, argv[4]) : false;
  if (isBit === null) return;
  const [sb, eb] = bitRange(start, end, isBit, v.length);
  c.integer(sb > eb ? 0 : countBits(v, sb, eb));
}

function bitposCommand(c: Client, argv: string[]): void {
  const bit = parseInt64(argv[2]);
  if (bit === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (bit !== 0 && bit !== 1) {
    c.error(E.BIT_ARG_NOT_01);
    return;
  }
  const v = lookupString(c, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    // A missing key is an infinite run of zeros.
    c.integer(bit ? -1 : 0);
    return;
  }
  if (argv.length > 6) {
    c.error(E.SYNTAX);
    return;
  }
  let sb = 0;
  let eb = v.length * 8 - 1;
  const endGiven = argv.length >= 5;
  if (argv.length >= 4) {
    const start = parseInt64(argv[3]);
    if (start === null) {
      c.error(E.NOT_INTEGER);
      return;
    }
    const isBit = argv.length === 6 ? parseUnit(c, argv[5]) : false;
    if (isBit === null) return;
    let end = v.length - 1;
    if (endGiven) {
      const e = parseInt64(argv[4]);
      if (e === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      end = e;
    }
    [sb, eb] = bitRange(start, end, isBit, v.length);
  }
  if (sb > eb) {
    c.integer(-1);
    return;
  }
  const pos = findBit(v, bit as 0 | 1, sb, eb);
  if (pos >= 0) c.integer(pos);
  else if (bit === 1 || endGiven) c.integer(-1);
  else c.integer(v.length * 8); // no clear bit: the first one past the end
}

// ---- BITFIELD -------------------------------------------------------------------

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;

interface FieldOp {
  op: number;
  offset: number;
  bits: number;
  signed: boolean;
  value: bigint;
  overflow: Overflow;
}

/** getBitfieldTypeFromArgument: [signed, bits] or null after replying. */
function parseFieldType(c: Client, arg: string): [boolean, number] | null {
  const sign = arg.charCodeAt(0);
  const bits = sign === 105 /* i */ || sign === 117 /* u */ ? parseInt64(arg.slice(1)) : null;
  if (bits === null || bits < 1 || (sign === 105 && bits > 64) || (sign === 117 && bits > 63)) {
    c.error(E.BITFIELD_BAD_TYPE);
    return null;
  }
  return [sign === 105, bits];
}

function bitfieldGeneric(c: Client, argv: string[], readOnlyCommand: boolean): void {
  const ops: FieldOp[] = [];
  let overflow = Overflow.Wrap;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const rem = argv.length - j - 1;
    const sub = argv[j].toLowerCase();
    let op: number;
    if (sub === 'get' && rem >= 2) op = OP_GET;
    else if (sub === 'set' && rem >= 3) op = OP_SET;
    else if (sub === 'incrby' && rem >= 3) op = OP_INCRBY;
    else if (sub === 'overflow' && rem >= 1) {
      const kind = argv[++j].toLowerCase();
      if (kind === 'wrap') overflow = Overflow.Wrap;
      else if (kind === 'sat') overflow = Overflow.Sat;
      else if (kind === 'fail') overflow = Overflow.Fail;
      else {
        c.error(E.BITFIELD_BAD_OVERFLOW);
        return;
      }
      continue;
    } else {
      c.error(E.SYNTAX);
      return;
    }
    const type = parseFieldType(c, argv[j + 1]);
    if (type === null) return;
    const offset = parseBitOffset(c, argv[j + 2], type[1]);
    if (offset === null) return;
    let value = 0n;
    if (op !== OP_GET) {
      readonly = false;
      if (offset + type[1] - 1 > highest) highest = offset + type[1] - 1;
      const n = parseBigInt64(argv[j + 3]);
      if (n === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      value = n;
    }
    ops.push({ op, offset, bits: type[1], signed: type[0], value, overflow });
    j += op === OP_GET ? 2 : 3;
  }

  const key = argv[1];
  let src: string | undefined;
  let buf: Buffer | null = null;
  let grown = false;
  if (readonly) {
    const v = lookupString(c, key);
    if (v === null) return;
    src = v;
  } else {
    if (readOnlyCommand) {
      c.error(E.BITFIELD_RO_GET_ONLY);
      return;
    }
    const t = stringForBitWrite(c, key, highest);
    if (t === null) return;
    buf = Buffer.from(t.s, 'latin1');
    grown = t.grown;
  }

  let changes = 0;
  c.arrayLen(ops.length);
  for (const f of ops) {
    if (f.op === OP_GET) {
      const from = buf ?? src ?? '';
      c.integer(f.signed ? readSigned(from, f.offset, f.bits) : readUnsigned(from, f.offset, f.bits));
      continue;
    }
    const b = buf as Buffer;
    const old = f.signed ? readSigned(b, f.offset, f.bits) : readUnsigned(b, f.offset, f.bits);
    let next: bigint;
    let ret: bigint;
    let over: number;
    let limit: bigint;
    if (f.op === OP_INCRBY) {
      [over, limit] = f.signed
        ? signedOverflow(old, f.value, f.bits, f.overflow)
        : unsignedOverflow(old, f.value, f.bits, f.overflow);
      next = over ? limit : old + f.value;
      ret = next;
    } else {
      // SET of an unsigned field takes the int64 argument as a uint64.
      const v = f.signed ? f.value : BigInt.asUintN(64, f.value);
      [over, limit] = f.signed ? signedOverflow(v, 0n, f.bits, f.overflow) : unsignedOverflow(v, 0n, f.bits, f.overflow);
      next = over ? limit : v;
      ret = old;
    }
    if (over && f.overflow === Overflow.Fail) {
      c.nullBulk();
      continue;
    }
    c.integer(ret);
    writeBits(b, f.offset, f.bits, next);
    if (grown || old !== next) changes++;
  }
  if (buf !== null && (changes > 0 || grown)) {
    // Redis creates or pads the key even when every write failed (OVERFLOW FAIL);
    // kevy counts that as a change so the AOF keeps the key too.
    c.db.set(key, buf.toString('latin1'), true);
    if (changes > 0) notify(c.server, NOTIFY.STRING, 'setbit', key, c.db.id);
    c.server.dirty += changes > 0 ? changes : 1;
  }
  if (buf !== null) markRaw(c.db, key, buf.length);
}

function bitfieldCommand(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, false);
}

function bitfieldRoCommand(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, true);
}

export const commands: Record<string, Handler> = {
  setbit: setbitCommand,
  getbit: getbitCommand,
  bitop: bitopCommand,
  bitcount: bitcountCommand,
  bitpos: bitposCommand,
  bitfield: bitfieldCommand,
  bitfield_ro: bitfieldRoCommand,
};
