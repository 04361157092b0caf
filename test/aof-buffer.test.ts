/**
 * AofBuffer (src/persistence/aof-buffer.ts), the AOF writer's pending bytes:
 * what it encodes is byte for byte encodeCommand()'s RESP (the format the
 * AOF tests compare with redis-server's own files), across its growth,
 * partial drops and shrinking.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { AofBuffer } from '../src/persistence/aof-buffer';
import { encodeCommand } from '../src/persistence/aof-reader';

/** Latin1 strings (every byte value), short (copied a char at a time) and long (Buffer.write). */
const bytes = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 70 }),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), minLength: 60, maxLength: 3000 }),
);
const op = fc.oneof(
  fc.record({ kind: fc.constant('command' as const), argv: fc.array(bytes, { minLength: 1, maxLength: 120 }) }),
  fc.record({ kind: fc.constant('text' as const), s: bytes }),
  fc.record({ kind: fc.constant('drop' as const), n: fc.nat(5000) }),
);

test('the bytes are encodeCommand()/the text appended, through growth and drops', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const q = new AofBuffer();
      let expected = '';
      for (const o of ops) {
        if (o.kind === 'command') {
          q.command(o.argv);
          expected += encodeCommand(o.argv);
        } else if (o.kind === 'text') {
          q.text(o.s);
          expected += o.s;
        } else {
          q.drop(o.n);
          expected = expected.slice(o.n);
        }
        expect(q.length).toBe(expected.length);
      }
      expect(q.toString()).toBe(expected);
      expect(q.bytes.subarray(0, q.length).equals(Buffer.from(expected, 'latin1'))).toBe(true);
    }),
    { numRuns: 300 },
  );
});

test('lengths of every size are written in decimal', () => {
  const q = new AofBuffer();
  const argv = ['', 'x'.repeat(9), 'y'.repeat(10), 'z'.repeat(99), 'w'.repeat(100), 'v'.repeat(123456)];
  q.command(argv);
  expect(q.toString()).toBe(encodeCommand(argv));
  const many = Array.from({ length: 1234 }, (_, i) => String(i));
  q.clear();
  q.command(many);
  expect(q.toString().startsWith('*1234\r\n$1\r\n0\r\n')).toBe(true);
  expect(q.toString()).toBe(encodeCommand(many));
});

test('a buffer that grew past 1 MB is given back once emptied; a small one is kept', () => {
  const q = new AofBuffer();
  const small = q.bytes;
  q.command(['SET', 'k', 'v']);
  q.clear();
  expect(q.bytes).toBe(small);
  q.command(['SET', 'k', 'v'.repeat(3 * 1024 * 1024)]);
  expect(q.bytes.length).toBeGreaterThan(3 * 1024 * 1024);
  q.drop(10);
  expect(q.bytes.length).toBeGreaterThan(3 * 1024 * 1024);
  q.drop(q.length);
  expect(q.length).toBe(0);
  expect(q.bytes.length).toBeLessThanOrEqual(1024 * 1024);
  q.command(['PING']);
  expect(q.toString()).toBe('*1\r\n$4\r\nPING\r\n');
});
