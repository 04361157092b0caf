/**
 * The string commands that read or edit a range of bytes (t_string.c):
 * APPEND, STRLEN, GETRANGE/SUBSTR, SETRANGE. Exported into the strings
 * family by ./strings.ts.
 *
 * SETRANGE pads with zero bytes up to the offset; GETRANGE clamps its
 * indexes like Redis (negative from the end, an empty reply when the range
 * is empty).
 *
 *   SET k hello; SETRANGE k 7 x  ->  :8   (k = "hello\0\0x")
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import { parseInt64 } from '../util/numbers';
import { checkStringLength, lookupString, markRaw } from './strings-common';
import type { Handler } from './table';

function appendCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const v = lookupString(c, key);
  if (v === null) return;
  let total: number;
  if (v === undefined) {
    c.db.set(key, argv[2]);
    total = argv[2].length;
  } else {
    total = v.length + argv[2].length;
    if (!checkStringLength(c, total)) return;
    c.db.set(key, v + argv[2], true);
    markRaw(c.db, key, total);
  }
  c.server.dirty++;
  notify(c.server, NOTIFY.STRING, 'append', key, c.db.id);
  c.integer(total);
}

function strlenCommand(c: Client, argv: string[]): void {
  const v = lookupString(c, argv[1]);
  if (v === null) return;
  c.integer(v === undefined ? 0 : v.length);
}

function getrangeCommand(c: Client, argv: string[]): void {
  let start = parseInt64(argv[2]);
  let end = parseInt64(argv[3]);
  if (start === null || end === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  const v = lookupString(c, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    c.bulk('');
    return;
  }
  const len = v.length;
  if (start < 0 && end < 0 && start > end) {
    c.bulk('');
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) c.bulk('');
  else c.bulk(v.slice(start, end + 1));
}

function setrangeCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const value = argv[3];
  const offset = parseInt64(argv[2]);
  if (offset === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (offset < 0) {
    c.error(E.OFFSET_OUT_OF_RANGE);
    return;
  }
  const v = lookupString(c, key);
  if (v === null) return;
  if (value.length === 0) {
    // Setting nothing: reply the current length, change nothing.
    c.integer(v === undefined ? 0 : v.length);
    return;
  }
  if (!checkStringLength(c, offset + value.length)) return;
  const old = v ?? '';
  const head = old.length >= offset ? old.slice(0, offset) : old + '\0'.repeat(offset - old.length);
  const out = head + value + old.slice(offset + value.length);
  c.db.set(key, out, true);
  markRaw(c.db, key, out.length);
  c.server.dirty++;
  notify(c.server, NOTIFY.STRING, 'setrange', key, c.db.id);
  c.integer(out.length);
}

export const rangeCommands: Record<string, Handler> = {
  append: appendCommand,
  strlen: strlenCommand,
  getrange: getrangeCommand,
  substr: getrangeCommand,
  setrange: setrangeCommand,
};
