/**
 * Reading AOF files: the RESP commands of an incr (or RESP base) file, one
 * at a time, with the offsets recovery needs. Shared by the loader
 * (./aof-load.ts) and kevy-check-aof (./check-aof.ts).
 *
 *   *2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n
 *
 * A line starting with '#' is an annotation (Redis's `#TS:<time>`) and is
 * skipped. readCommand() tells apart a command cut short by the end of the
 * file ('eof': a torn tail) from bytes that are not a command ('format'),
 * the two cases recovery treats differently.
 */
import { latin1 } from '../util/latin1';

export type ReadResult =
  | { kind: 'command'; argv: string[]; end: number }
  | { kind: 'annotation'; end: number }
  | { kind: 'eof'; reason: string }
  | { kind: 'format'; reason: string; at: number };

/**
 * Position of the "\r\n" ending the line at pos, or -1 (eof) / -2 (no CR
 * before LF). A JS scan, not Buffer#indexOf: the lines read here ("*3",
 * "$16") are a few bytes long and a native call per line cost more than
 * the scan (in the startup profile of 1M replayed SETs, readCommand and
 * Buffer#toString's slicing were 9% before this and latin1() below, 4% after).
 */
function lineEnd(buf: Buffer, pos: number): number {
  const n = buf.length;
  let nl = pos;
  while (nl < n && buf[nl] !== 10) nl++;
  if (nl === n) return -1;
  if (nl === pos || buf[nl - 1] !== 13) return -2;
  return nl - 1;
}

/** A decimal integer filling buf[from, to), or null. */
function parseLen(buf: Buffer, from: number, to: number): number | null {
  if (to <= from || to - from > 18) return null;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return n;
}

/** Reads the command starting at pos (pos < buf.length). */
export function readCommand(buf: Buffer, pos: number): ReadResult {
  const start = pos;
  if (buf[pos] === 0x23 /* # */) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) return { kind: 'eof', reason: 'annotation cut short' };
    return { kind: 'annotation', end: nl + 1 };
  }
  if (buf[pos] !== 0x2a /* * */) {
    return { kind: 'format', reason: `Expected '*', got: '${printable(buf[pos])}'`, at: pos };
  }
  let e = lineEnd(buf, pos);
  if (e === -1) return { kind: 'eof', reason: 'Unexpected EOF reading the number of arguments' };
  const argc = e < 0 ? null : parseLen(buf, pos + 1, e);
  if (argc === null || argc < 1) return { kind: 'format', reason: 'Invalid number of arguments', at: start };
  pos = e + 2;
  const argv = new Array<string>(argc);
  for (let i = 0; i < argc; i++) {
    if (pos >= buf.length) return { kind: 'eof', reason: 'Unexpected EOF reading an argument length' };
    if (buf[pos] !== 0x24 /* $ */) {
      return { kind: 'format', reason: `Expected '$', got: '${printable(buf[pos])}'`, at: pos };
    }
    e = lineEnd(buf, pos);
    if (e === -1) return { kind: 'eof', reason: 'Unexpected EOF reading an argument length' };
    const len = e < 0 ? null : parseLen(buf, pos + 1, e);
    if (len === null) return { kind: 'format', reason: 'Invalid argument length', at: pos };
    pos = e + 2;
    if (pos + len + 2 > buf.length) return { kind: 'eof', reason: 'Unexpected EOF reading an argument' };
    if (buf[pos + len] !== 13 || buf[pos + len + 1] !== 10) {
      return { kind: 'format', reason: 'Expected \\r\\n after an argument', at: pos + len };
    }
    argv[i] = latin1(buf, pos, pos + len);
    pos += len + 2;
  }
  return { kind: 'command', argv, end: pos };
}

function printable(b: number): string {
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '\\x' + b.toString(16).padStart(2, '0');
}

/** 1-based line number of offset (counting "\n" before it), for error reports. */
export function lineAt(buf: Buffer, offset: number): number {
  let n = 1;
  let i = buf.indexOf(10);
  while (i >= 0 && i < offset) {
    n++;
    i = buf.indexOf(10, i + 1);
  }
  return n;
}

/** Encodes one command as RESP (latin1: one char per byte). */
export function encodeCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

/** True if the file content is an RDB (base file, or an old AOF with an RDB preamble). */
export function isRdb(buf: Buffer): boolean {
  return buf.length >= 5 && buf.toString('latin1', 0, 5) === 'REDIS';
}
