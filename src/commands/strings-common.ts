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
 * bytes, `raw` above. Known difference: Redis reports `raw` for short values
 * produced in place (APPEND, SETRANGE, SETBIT, BITFIELD, BITOP) and `embstr`
 * for integer-looking INCRBYFLOAT results; kevy does not track how a value
 * was produced, so it answers from the content alone.
 */
export function stringEncoding(v: string): 'int' | 'embstr' | 'raw' {
  if (v.length <= 20 && parseInt64(v) !== null) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}
