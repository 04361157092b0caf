/**
 * Helpers shared by the string and bitmap command files (./strings.ts,
 * ./strings-range.ts, ./strings-numeric.ts, ./bits.ts): the typed lookup,
 * the string length limit and OBJECT ENCODING of a string value.
 *
 *   const v = lookupString(c, key);       // undefined: missing, null: WRONGTYPE replied
 *   if (!checkStringLength(c, n)) return; // "string exceeds maximum allowed size"
 */
import { constants as bufferConstants } from 'node:buffer';
import * as E from '../errors';
import type { Client } from '../server/client';
import type { Database } from '../store/database';
import { parseInt64 } from '../util/numbers';

/** The longest string V8 can hold (a little under Redis's 512MB default limit). */
export const MAX_JS_STRING = bufferConstants.MAX_STRING_LENGTH;

/**
 * checkStringLength: replies the error and returns false when a string of
 * `size` bytes would exceed proto-max-bulk-len (or what a JS string can hold).
 */
export function checkStringLength(c: Client, size: number): boolean {
  if (size > c.server.config.int('proto-max-bulk-len') || size > MAX_JS_STRING) {
    c.error(E.STRING_TOO_LONG);
    return false;
  }
  return true;
}

/**
 * The string at key: undefined when missing, null when it holds another
 * type (WRONGTYPE has been replied).
 */
export function lookupString(c: Client, key: string): string | undefined | null {
  const v = c.db.get(key);
  if (v === undefined || typeof v === 'string') return v;
  c.error(E.WRONGTYPE);
  return null;
}

/**
 * OBJECT ENCODING of a string value under Redis 7.0's tryObjectEncoding:
 * `int` for a canonical 64-bit integer of up to 20 chars, `embstr` up to 44
 * bytes, `raw` above. This is the encoding of a value given as an argument
 * (SET, MSET, a new key's APPEND ...) or computed by INCR; see
 * stringEncodingOf for the values whose encoding comes from their history.
 */
export function stringEncoding(v: string): 'int' | 'embstr' | 'raw' {
  if (v.length <= 20 && parseInt64(v) !== null) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}

/** OBJECT ENCODING of the string v at key in db, history included (Database.encodings). */
export function stringEncodingOf(db: Database, key: string, v: string): string {
  return (db.encodings.size !== 0 && db.encodings.get(key)) || stringEncoding(v);
}

/**
 * After a command built the string of `length` bytes at key in place (dbUnshareStringValue
 * or a new sds: APPEND to an existing key, SETRANGE, SETBIT, BITFIELD with a
 * write, BITOP): Redis reports it `raw` whatever its content, even when the
 * command changed no byte. Only values the content rule would call int or
 * embstr need an entry.
 */
export function markRaw(db: Database, key: string, length: number): void {
  if (length <= 44) db.encodings.set(key, 'raw');
}

/**
 * After INCRBYFLOAT stored v at key: a new string object (createStringObject)
 * is embstr up to 44 bytes even when it reads as an integer ("3").
 */
export function markFloat(db: Database, key: string, v: string): void {
  if (v.length <= 20 && parseInt64(v) !== null) db.encodings.set(key, 'embstr');
}

/** RENAME, MOVE and COPY keep the object (COPY duplicates it with its encoding). */
export function copyEncoding(from: Database, fromKey: string, to: Database, toKey: string): void {
  if (from.encodings.size === 0) return;
  const e = from.encodings.get(fromKey);
  if (e !== undefined) to.encodings.set(toKey, e);
}
