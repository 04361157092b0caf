/**
 * RequestParser unit tests: arguments of every length around the short-arg
 * fast path (String.fromCharCode up to 8 bytes, latin1Slice above) keep
 * every byte, and frames split at any byte parse the same.
 */
import { expect, test } from 'vitest';
import { RequestParser } from '../src/protocol/parser';

const limits = { maxBulkLen: 512 * 1024 * 1024, authenticated: () => true };

function frame(args: string[]): Buffer {
  let s = '*' + args.length + '\r\n';
  for (const a of args) s += '$' + a.length + '\r\n' + a + '\r\n';
  return Buffer.from(s, 'latin1');
}

/** Every byte value, cycled, in args of length 0..30 (the fast path goes to 24). */
function binaryArgs(): string[] {
  const out: string[] = [];
  let b = 0;
  for (let len = 0; len <= 30; len++) {
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode((b = (b * 37 + 11) & 255));
    out.push(s);
  }
  out.push('\x00', '\xff', '\r\n', '\x00\x00\x00\x00\x00\x00\x00\x00', '\xff\xfe\xfd\xfc\xfb\xfa\xf9');
  return out;
}

test('arguments of every length keep every byte (short-arg fast path and above)', () => {
  const args = binaryArgs();
  const p = new RequestParser(limits);
  p.feed(frame(args));
  const r = p.next();
  expect(r).toEqual(args);
  for (const a of r as string[]) expect(typeof a).toBe('string');
  expect(p.next()).toBeNull();
});

test('a pipeline split at every byte parses to the same commands', () => {
  const cmds = [['SET', 'k\x00', '\xffv'], ['GET', 'key:000000012345'], ['LPUSH', 'l', 'a', 'bb', 'ccc'], []];
  const whole = Buffer.concat(cmds.map(frame));
  const want = cmds; // the empty command too ([]: it ends a CLIENT REPLY SKIP, see processEmptyCommand)
  for (let cut = 0; cut <= whole.length; cut++) {
    const p = new RequestParser(limits);
    const got: unknown[] = [];
    for (const part of [whole.subarray(0, cut), whole.subarray(cut)]) {
      p.feed(part);
      for (let r = p.next(); r !== null; r = p.next()) got.push(r);
    }
    expect(got).toEqual(want);
  }
});

test('the argv of one command is not reused by the next', () => {
  const p = new RequestParser(limits);
  p.feed(Buffer.concat([frame(['ECHO', 'a']), frame(['ECHO', 'b'])]));
  const a = p.next();
  const b = p.next();
  expect(a).toEqual(['ECHO', 'a']);
  expect(b).toEqual(['ECHO', 'b']);
  expect(a).not.toBe(b);
});

test('a reused read buffer: chunks fed from one buffer that is overwritten after release() parse the same', () => {
  const big = 'v'.repeat(100 * 1024); // a large bulk (collected across reads)
  const cmds = [['SET', 'k', 'v1'], ['PING'], ['SET', 'big', big], ['GET', 'k'], ['ECHO', '\x00\xff\r\n']];
  const stream = Buffer.concat([...cmds.map(frame), Buffer.from('PING inline\r\n', 'latin1')]);
  const want = [...cmds, ['PING', 'inline']];
  for (const size of [1, 2, 3, 7, 16, 1000, 64 * 1024]) {
    const shared = Buffer.alloc(size);
    const p = new RequestParser(limits);
    const got: unknown[] = [];
    for (let off = 0; off < stream.length; off += size) {
      const n = stream.copy(shared, 0, off, Math.min(off + size, stream.length));
      p.feed(shared.subarray(0, n));
      for (let r = p.next(); r !== null; r = p.next()) got.push(r);
      p.release();
      shared.fill(0x2a); // the next read overwrites the buffer
    }
    expect(got, `chunk size ${size}`).toEqual(want);
  }
});

test('a large bulk completed by a read that carries more than 64 KB after it (the room kept after the bulk overflows)', () => {
  const big = 'b'.repeat(40 * 1024);
  const after = 'a'.repeat(150 * 1024);
  const cmds = [['SET', 'big', big], ['SET', 'after', after], ['PING']];
  const whole = Buffer.concat(cmds.map(frame));
  const bigStart = whole.indexOf('bbbb');
  // Cut inside the first bulk: the second feed completes it and brings ~150 KB more (then the rest of the stream).
  for (const cut of [bigStart, bigStart + 1, bigStart + 20000, bigStart + big.length - 1, bigStart + big.length + 1]) {
    const p = new RequestParser(limits);
    const got: unknown[] = [];
    for (const part of [whole.subarray(0, cut), whole.subarray(cut)]) {
      p.feed(Buffer.from(part));
      for (let r = p.next(); r !== null; r = p.next()) got.push(r);
      p.release();
    }
    expect(got, `cut at ${cut}`).toEqual(cmds);
    expect(p.buffered).toBe(0);
  }
});

test('a bulk longer than a V8 string can be is refused at its header, whatever proto-max-bulk-len allows', () => {
  // 2^29 - 24 is V8's longest string; Redis's default proto-max-bulk-len (512 MB) is 24 bytes more.
  for (const n of [536870889, 536870900, 536870912, 9000000000]) {
    const p = new RequestParser({ maxBulkLen: 2 ** 40, authenticated: () => true });
    p.feed(Buffer.from(`*2\r\n$4\r\nECHO\r\n$${n}\r\n`, 'latin1'));
    expect(p.next(), String(n)).toBe('Protocol error: invalid bulk length');
  }
  const p = new RequestParser({ maxBulkLen: 2 ** 40, authenticated: () => true });
  p.feed(Buffer.from('*2\r\n$4\r\nECHO\r\n$536870888\r\n', 'latin1'));
  expect(p.next()).toBeNull(); // the longest string V8 holds: waits for its bytes
});

test('command names (remembered by a hash of their first and last bytes) always come back as sent', () => {
  // Same length, first and last byte: the same slot of the name cache.
  const names = ['aXb', 'aYb', 'a\x00b', 'a\xffb', 'GET', 'get', 'x'.repeat(16), 'x'.repeat(17), '', 'S'];
  const p = new RequestParser(limits);
  for (let round = 0; round < 3; round++) {
    for (const n of names) {
      p.feed(frame([n, 'k']));
      expect(p.next()).toEqual([n, 'k']);
    }
  }
});

/** Everything p returns for `bytes` fed in chunks of `size` (errors included; stops after one). */
function parseAll(bytes: Buffer, size: number, auth = true): unknown[] {
  const p = new RequestParser({ maxBulkLen: 512 * 1024 * 1024, authenticated: () => auth });
  const got: unknown[] = [];
  for (let off = 0; off < bytes.length; off += size) {
    p.feed(Buffer.from(bytes.subarray(off, off + size)));
    for (let r = p.next(); r !== null; r = p.next()) {
      got.push(r);
      if (typeof r === 'string') return got;
    }
    p.release();
  }
  got.push(p.buffered);
  return got;
}

test('whole commands (the fast path) parse as commands fed a byte at a time (the state machine)', () => {
  // Frames written by hand: limits of the fast path (1024 arguments, 16384-byte
  // bulks), leading zeros, unauthenticated limits, malformed lines.
  const big = (n: number): string => 'v'.repeat(n);
  const raw = (s: string): Buffer => Buffer.from(s, 'latin1');
  const cases: Buffer[] = [
    frame(['SET', 'k', big(16384)]),
    frame(['SET', 'k', big(16385)]),
    frame(Array.from({ length: 1024 }, (_, i) => String(i))),
    frame(Array.from({ length: 1025 }, (_, i) => String(i))),
    frame(Array.from({ length: 11 }, (_, i) => String(i))),
    raw('*03\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n'), // leading zeros: refused, as string2ll does
    raw('*3\r\n$03\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n'),
    raw('*1\r\n$000000000000000000004\r\nPING\r\n'), // 21 characters
    raw('*2\r\n$4\r\nECHO\r\n$0\r\n\r\n'),
    raw('*2\r\n$4\r\nECHO\r\n$-1\r\n'),
    raw('*2\r\n$4\r\nECHO\r\n$x\r\n'),
    raw('*2\r\n+4\r\nECHO\r\n'),
    raw('*1x\r\n$4\r\nPING\r\n'),
    raw('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n'),
    raw('*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n'),
    raw('*1\r\n$4\r\nPING\r'),
    raw('*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n'),
  ];
  for (const bytes of cases) {
    for (const auth of [true, false]) {
      const slow = parseAll(bytes, 1, auth);
      expect(parseAll(bytes, bytes.length, auth), bytes.toString('latin1', 0, 40)).toEqual(slow);
      expect(parseAll(Buffer.concat([bytes, bytes]), 2 * bytes.length, auth)).toEqual(parseAll(Buffer.concat([bytes, bytes]), 1, auth));
    }
  }
});
