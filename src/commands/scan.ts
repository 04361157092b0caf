/**
 * The arguments of SCAN, HSCAN, SSCAN and ZSCAN (db.c parseScanCursorOrReply
 * and the option loop of scanGenericCommand), shared by keys.ts, hash.ts,
 * set.ts and zset.ts.
 *
 *   SCAN 0 MATCH user:* COUNT 100 TYPE hash   -> cursor 0, options below
 *   HSCAN h 0 TYPE hash                       -> ERR syntax error (SCAN only)
 *
 * The type commands look the key up between the cursor and the options, as
 * Redis does: a missing key replies an empty scan whatever the options say.
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { parseInt64 } from '../util/numbers';

/**
 * parseScanCursorOrReply: strtoul(s, 10) over the whole argument. A leading
 * space is refused; '+'/'-' are accepted ('-1' wraps around 2^64, as in C);
 * the string ends at the first NUL byte, as C sees it; the empty string is
 * cursor 0; past 2^64-1 is ERANGE. Returns null when invalid (the caller
 * replies E.INVALID_CURSOR). Cursors beyond 2^53 lose precision, which is
 * harmless: such a cursor was never issued.
 */
export function parseScanCursor(s: string): number | null {
  const nul = s.indexOf('\x00');
  if (nul >= 0) s = s.slice(0, nul);
  const n = s.length;
  if (n === 0) return 0;
  let i = 0;
  const first = s.charCodeAt(0);
  const neg = first === 45; /* - */
  if (neg || first === 43 /* + */) i = 1;
  if (i === n) return null;
  for (let j = i; j < n; j++) {
    const ch = s.charCodeAt(j);
    if (ch < 48 || ch > 57) return null;
  }
  if (n - i < 16) {
    const v = Number(s.slice(i));
    return neg && v !== 0 ? 2 ** 64 - v : v;
  }
  const v = BigInt(s.slice(i));
  if (v > 0xffffffffffffffffn) return null;
  return Number(neg && v !== 0n ? 2n ** 64n - v : v);
}

export interface ScanOptions {
  count: number;
  /** null when every element matches (no MATCH, or MATCH *). */
  pattern: string | null;
  /** SCAN's TYPE, lower case; null when absent. */
  type: string | null;
}

/**
 * The COUNT/MATCH (and for SCAN, withType, TYPE) options from argv[start];
 * replies and returns null on error: a COUNT that is not an integer gets
 * E.NOT_INTEGER, below 1 or any other word E.SYNTAX.
 */
export function parseScanOptions(c: Client, argv: string[], start: number, withType = false): ScanOptions | null {
  const opts: ScanOptions = { count: 10, pattern: null, type: null };
  for (let i = start; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    const hasArg = i + 1 < argv.length;
    if (opt === 'count' && hasArg) {
      const n = parseInt64(argv[i + 1]);
      if (n === null) {
        c.error(E.NOT_INTEGER);
        return null;
      }
      if (n < 1) {
        c.error(E.SYNTAX);
        return null;
      }
      opts.count = n;
    } else if (opt === 'match' && hasArg) {
      opts.pattern = argv[i + 1] === '*' ? null : argv[i + 1];
    } else if (withType && opt === 'type' && hasArg) {
      // Redis compares type names with strcasecmp.
      opts.type = argv[i + 1].toLowerCase();
    } else {
      c.error(E.SYNTAX);
      return null;
    }
  }
  return opts;
}

/** The reply to a scan of a missing key: cursor 0, no elements. */
export function replyEmptyScan(c: Client): void {
  c.out += '*2\r\n$1\r\n0\r\n*0\r\n';
}
