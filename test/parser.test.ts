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
  const parts: Buffer[] = [];
  for (let off = 0; off < bytes.length; off += size) parts.push(bytes.subarray(off, off + size));
  return parseParts(parts, auth);
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
    // A NUL in a length line: Redis never finds its CR (see the NUL tests below).
    raw('*1\r\n$4\0\r\nPING\r\n'),
    raw('*1\0\r\n$4\r\nPING\r\n'),
    raw('*2\r\n$4\r\nECHO\r\n\0\r\nx\r\n'),
  ];
  for (const bytes of cases) {
    for (const auth of [true, false]) {
      const slow = parseAll(bytes, 1, auth);
      expect(parseAll(bytes, bytes.length, auth), bytes.toString('latin1', 0, 40)).toEqual(slow);
      expect(parseAll(Buffer.concat([bytes, bytes]), 2 * bytes.length, auth)).toEqual(parseAll(Buffer.concat([bytes, bytes]), 1, auth));
    }
  }
});

/** What p returns for `parts` fed in turn: stops at an error, else ends with what stays buffered. */
function parseParts(parts: Buffer[], auth = true): unknown[] {
  const p = new RequestParser({ ...limits, authenticated: () => auth });
  const got: unknown[] = [];
  for (const part of parts) {
    p.feed(Buffer.from(part));
    for (let r = p.next(); r !== null; r = p.next()) {
      got.push(r);
      if (typeof r === 'string') return got;
    }
    p.release();
  }
  got.push(p.buffered);
  return got;
}

test('a NUL before the CR of a `*` or `$` line (or the LF of an inline one) hides it, as strchr() in Redis: the command waits, split anywhere', () => {
  // Redis finds these line ends with strchr() in its NUL-terminated query
  // buffer: a NUL first means "no line end yet", whatever follows. (In a
  // bulk's data a NUL is just a byte.) Each stream, with what comes of it.
  const raw = (s: string): Buffer => Buffer.from(s, 'latin1');
  const cases: [Buffer, unknown[]][] = [
    [raw('PING\r\n*1\r\n$4\0\r\nPING\r\n'), [['PING'], 11]],
    [raw('*1\0\r\n$4\r\nPING\r\n'), [15]],
    [raw('*\0\r\n'), [4]],
    [raw('*1\r\n\0\r\n'), [3]], // not "expected '$', got '\0'"
    [raw('*1\r\nx\0\r\n'), [4]], // not "expected '$', got 'x'"
    [raw('*1\r\n$\0\r\n'), [4]],
    [raw('*2\r\n$4\r\nECHO\r\n$1\0\r\nx\r\n'), [8]],
    [raw('PI\0NG\r\nPING\r\n'), [13]],
    [raw('PING\r\0\nPING\r\n'), [13]],
    [raw('\0PING\r\n'), [7]],
    // Without a NUL before the line end: parsed, or refused, at once.
    [raw('*1\r\n$4\r\nPI\0G\r\n'), [['PI\0G'], 0]],
    [raw('*1\r\nx\r\n'), ["Protocol error: expected '$', got 'x'"]],
    [raw('*1x\r\n'), ['Protocol error: invalid multibulk length']],
  ];
  for (const [bytes, want] of cases) {
    const label = JSON.stringify(bytes.toString('latin1'));
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(parseParts([bytes.subarray(0, cut), bytes.subarray(cut)]), `${label} cut at ${cut}`).toEqual(want);
    }
    expect(parseAll(bytes, 1), label).toEqual(want);
  }
});

test('a line a NUL hides is refused once more than 64 KB wait (PROTO_INLINE_MAX_SIZE), not before, however the bytes come', () => {
  // [what comes before, its commands, the line, the error]
  const cases: [string, string[][], string, string][] = [
    ['*1\r\n', [], '$4\0\r\n', 'Protocol error: too big bulk count string'],
    ['', [], '*1\0\r\n', 'Protocol error: too big mbulk count string'],
    ['PING\r\n', [['PING']], 'PI\0NG\r\n', 'Protocol error: too big inline request'],
  ];
  for (const [before, done, line, tooBig] of cases) {
    for (const over of [0, 1]) {
      // What waits: the line and its padding, 65536 bytes (+1).
      const bytes = Buffer.from(before + line + 'a'.repeat(65536 - line.length + over), 'latin1');
      const want = over === 0 ? [...done, 65536] : [...done, tooBig];
      const label = `${JSON.stringify(line)} and 64 KB${over === 0 ? '' : ' + 1'}`;
      for (const size of [1000, 4096, 16384, 65536, bytes.length]) {
        expect(parseAll(bytes, size), `${label}, reads of ${size}`).toEqual(want);
      }
      for (const cut of [1, before.length + 2, before.length + line.length, 30000, bytes.length - 1]) {
        expect(parseParts([bytes.subarray(0, cut), bytes.subarray(cut)]), `${label}, cut at ${cut}`).toEqual(want);
      }
    }
  }
});

test('a `*` or `$` line whose CR is the last byte read has its end: however long, it waits for the next byte, not "too big"', () => {
  // Redis says too big only when strchr() finds no CR; a CR with nothing
  // after it yet is a line end that waits for its LF (any byte).
  const cases: [string, number, string, string][] = [
    ['*1\r\n$', 4, 'Protocol error: invalid bulk length', 'Protocol error: too big bulk count string'],
    ['*', 0, 'Protocol error: invalid multibulk length', 'Protocol error: too big mbulk count string'],
  ];
  for (const [head, consumed, invalid, tooBig] of cases) {
    const first = Buffer.from(head + 'x'.repeat(60000), 'latin1');
    const second = Buffer.from('x'.repeat(10000) + '\r', 'latin1');
    expect(parseParts([first, second]), head).toEqual([first.length + second.length - consumed]);
    expect(parseParts([first, second, Buffer.from('\n')]), head).toEqual([invalid]);
    // A read that crosses 64 KB without the CR: too big, as in Redis.
    expect(parseParts([first, second.subarray(0, 9999)]), head).toEqual([tooBig]);
  }
});
