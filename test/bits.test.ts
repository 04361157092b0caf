import { expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';
import { propagated } from './helpers/servers';

const d = differential();

const I64_MAX = '9223372036854775807';
const I64_MIN = '-9223372036854775808';

test('SETBIT and GETBIT', async () => {
  await d.run([
    ['SETBIT', 'k', '7', '1'],
    ['GET', 'k'],
    ['SETBIT', 'k', '7', '1'],
    ['SETBIT', 'k', '7', '0'],
    ['SETBIT', 'k', '0', '1'],
    ['SETBIT', 'k', '100', '1'],
    ['GET', 'k'],
    ['STRLEN', 'k'],
    ['GETBIT', 'k', '0'],
    ['GETBIT', 'k', '1'],
    ['GETBIT', 'k', '100'],
    ['GETBIT', 'k', '101'],
    ['GETBIT', 'k', '100000'],
    ['GETBIT', 'nokey', '0'],
    ['SETBIT', 'z', '15', '0'],
    ['GET', 'z'],
    ['SETBIT', 'k', '-1', '1'],
    ['SETBIT', 'k', 'x', '1'],
    ['SETBIT', 'k', '1.0', '1'],
    ['SETBIT', 'k', '4294967296', '1'],
    ['SETBIT', 'k', I64_MAX, '1'],
    ['SETBIT', 'k', '1', '2'],
    ['SETBIT', 'k', '1', '-1'],
    ['SETBIT', 'k', '1', 'x'],
    ['SETBIT', 'k', '1', ''],
    ['GETBIT', 'k', '-1'],
    ['GETBIT', 'k', 'x'],
    ['GETBIT', 'k', '4294967296'],
    ['GETBIT', 'nokey', '-1'],
    ['SET', 'n', '12'],
    ['GETBIT', 'n', '2'],
    ['GETBIT', 'n', '3'],
    ['SETBIT', 'n', '6', '1'],
    ['GET', 'n'],
    ['SET', 't', 'a', 'EX', '100'],
    ['SETBIT', 't', '20', '1'],
    ['TTL', 't'],
    ['RPUSH', 'l', 'x'],
    ['SETBIT', 'l', '0', '1'],
    ['GETBIT', 'l', '0'],
    ['SETBIT', 'k', '1'],
    ['GETBIT', 'k'],
  ]);
  await d.run([['SETBIT', 'r', '3', '1'], ['GETBIT', 'r', '3']], { resp: 3 });
});

test('SETBIT on a large bitmap stays correct', async () => {
  const cmds: Cmd[] = [];
  for (let i = 0; i < 200; i++) cmds.push(['SETBIT', 'big', String((i * 7919) % 800000), String(i & 1)]);
  cmds.push(['BITCOUNT', 'big'], ['STRLEN', 'big'], ['BITPOS', 'big', '1'], ['GETBIT', 'big', '7919']);
  await d.run(cmds);
});

test('BITCOUNT with BYTE and BIT ranges', async () => {
  const cmds: Cmd[] = [['SET', 's', 'foobar'], ['SET', 'e', ''], ['SET', 'b', '\x00\xff\x0f\xf0\xaa']];
  const ranges = [
    ['0', '0'], ['1', '1'], ['0', '-1'], ['-2', '-1'], ['-1', '-2'], ['5', '30'], ['1', '100'], ['-100', '-3'],
    ['3', '1'], [I64_MIN, I64_MAX], ['0', I64_MAX], ['-100', '-200'],
  ];
  for (const k of ['s', 'e', 'b']) {
    cmds.push(['BITCOUNT', k]);
    for (const [a, z] of ranges) {
      cmds.push(['BITCOUNT', k, a, z], ['BITCOUNT', k, a, z, 'BYTE'], ['BITCOUNT', k, a, z, 'bit']);
    }
    cmds.push(['BITCOUNT', k, '1', '13', 'BIT'], ['BITCOUNT', k, '5', '5', 'BIT'], ['BITCOUNT', k, '7', '8', 'BIT']);
  }
  cmds.push(
    ['BITCOUNT', 'nokey'],
    ['BITCOUNT', 'nokey', '1'],
    ['BITCOUNT', 'nokey', 'a', 'b', 'c', 'd'],
    ['BITCOUNT', 's', '1'],
    ['BITCOUNT', 's', '0', '1', 'WORD'],
    ['BITCOUNT', 's', '-1', '-2', 'WORD'],
    ['BITCOUNT', 's', '0', '1', 'BIT', 'x'],
    ['BITCOUNT', 's', 'x', '1'],
    ['BITCOUNT', 's', '0', '1.5'],
    ['BITCOUNT', 's', '0', '1', ''],
    ['SET', 'n', '12345'],
    ['BITCOUNT', 'n'],
    ['BITCOUNT', 'n', '1', '2'],
    ['RPUSH', 'l', 'x'],
    ['BITCOUNT', 'l'],
    ['BITCOUNT', 'l', 'x', 'y'],
    ['BITCOUNT'],
  );
  await d.run(cmds);
  await d.run([['SET', 's', 'foobar'], ['BITCOUNT', 's', '1', '1']], { resp: 3 });
});

test('BITPOS with BYTE and BIT ranges', async () => {
  const cmds: Cmd[] = [
    ['SET', 's', '\xff\xf0\x00'],
    ['SET', 'z', '\x00\x00\x00'],
    ['SET', 'f', '\xff\xff\xff'],
    ['SET', 'e', ''],
    ['SET', 'm', '\x00\x01\x80\x00'],
  ];
  const ranges = [
    [], ['0'], ['1'], ['2'], ['-1'], ['5'], ['-100'], ['0', '-1'], ['1', '1'], ['2', '1'], ['0', '100'], ['-2', '-1'],
    ['-1', '-2'], ['0', '0'], [I64_MIN, I64_MAX],
  ];
  for (const k of ['s', 'z', 'f', 'e', 'm', 'nokey']) {
    for (const bit of ['0', '1']) {
      for (const r of ranges) {
        cmds.push(['BITPOS', k, bit, ...r]);
        if (r.length === 2) cmds.push(['BITPOS', k, bit, ...r, 'BYTE'], ['BITPOS', k, bit, ...r, 'BIT']);
      }
      for (const r of [['3', '13'], ['7', '7'], ['8', '8'], ['4', '11'], ['12', '20'], ['0', '23'], ['9', '14'], ['15', '16']]) {
        cmds.push(['BITPOS', k, bit, ...r, 'BIT']);
      }
    }
  }
  cmds.push(
    ['BITPOS', 's', '2'],
    ['BITPOS', 's', '-1'],
    ['BITPOS', 's', 'x'],
    ['BITPOS', 'nokey', '2'],
    ['BITPOS', 'nokey', '0', 'x', 'y', 'z'],
    ['BITPOS', 's', '1', 'x'],
    ['BITPOS', 's', '1', '0', 'x'],
    ['BITPOS', 's', '1', '0', '1', 'WORD'],
    ['BITPOS', 's', '1', 'x', '1', 'WORD'],
    ['BITPOS', 's', '1', '0', 'x', 'WORD'],
    ['BITPOS', 's', '1', '0', '1', 'BIT', 'extra'],
    ['RPUSH', 'l', 'x'],
    ['BITPOS', 'l', '1'],
    ['BITPOS', 'l', '3'],
    ['BITPOS', 's'],
  );
  await d.run(cmds);
});

test('BITOP AND OR XOR NOT', async () => {
  await d.run([
    ['SET', 'a', 'foobar'],
    ['SET', 'b', 'abcdef'],
    ['SET', 'c', '\xff\x00'],
    ['BITOP', 'AND', 'dest', 'a', 'b'],
    ['GET', 'dest'],
    ['BITOP', 'or', 'dest', 'a', 'b', 'c'],
    ['GET', 'dest'],
    ['BITOP', 'XOR', 'dest', 'a', 'b', 'c'],
    ['GET', 'dest'],
    ['BITOP', 'AND', 'dest', 'a', 'c'],
    ['GET', 'dest'],
    ['BITOP', 'AND', 'dest', 'a', 'nokey'],
    ['GET', 'dest'],
    ['BITOP', 'OR', 'dest', 'c', 'nokey'],
    ['GET', 'dest'],
    ['BITOP', 'NOT', 'dest', 'a'],
    ['GET', 'dest'],
    ['BITOP', 'NOT', 'dest', 'c'],
    ['GET', 'dest'],
    ['BITOP', 'AND', 'a', 'a', 'b'],
    ['GET', 'a'],
    ['BITOP', 'AND', 'dest', 'nokey', 'nokey2'],
    ['EXISTS', 'dest'],
    ['BITOP', 'AND', 'dest', 'nokey'],
    ['SET', 'e', ''],
    ['SET', 'dest', 'x', 'EX', '100'],
    ['BITOP', 'OR', 'dest', 'e'],
    ['EXISTS', 'dest'],
    ['SET', 'dest', 'x', 'EX', '100'],
    ['BITOP', 'OR', 'dest', 'b'],
    ['TTL', 'dest'],
    ['BITOP', 'NOT', 'dest', 'a', 'b'],
    ['BITOP', 'NOT', 'dest'],
    ['BITOP', 'NAND', 'dest', 'a'],
    ['BITOP', 'NAND', 'dest'],
    ['RPUSH', 'l', 'x'],
    ['BITOP', 'AND', 'dest', 'a', 'l'],
    ['BITOP', 'AND', 'l', 'a'],
    ['TYPE', 'l'],
    ['BITOP', 'AND', 'dest'],
  ]);
  // Longer inputs (the word-at-a-time path of Redis).
  const x = Array.from({ length: 300 }, (_, i) => String.fromCharCode((i * 37) & 255)).join('');
  const y = Array.from({ length: 257 }, (_, i) => String.fromCharCode((i * 91 + 5) & 255)).join('');
  await d.run([
    ['SET', 'x', x],
    ['SET', 'y', y],
    ['BITOP', 'AND', 'd', 'x', 'y'],
    ['GET', 'd'],
    ['BITOP', 'OR', 'd', 'x', 'y'],
    ['GET', 'd'],
    ['BITOP', 'XOR', 'd', 'x', 'y', 'x'],
    ['GET', 'd'],
    ['BITOP', 'NOT', 'd', 'y'],
    ['GET', 'd'],
  ]);
});

test('BITFIELD GET SET INCRBY with every overflow mode', async () => {
  await d.run([
    ['BITFIELD', 'k', 'SET', 'i8', '0', '100', 'GET', 'i8', '0', 'GET', 'u4', '0', 'GET', 'u4', '4'],
    ['GET', 'k'],
    ['BITFIELD', 'k', 'INCRBY', 'i8', '0', '100'],
    ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '100', 'INCRBY', 'i8', '0', '-1000'],
    ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '-1', 'INCRBY', 'i8', '0', '-1000', 'GET', 'i8', '0'],
    ['BITFIELD', 'k', 'overflow', 'wrap', 'incrby', 'u2', '100', '1', 'incrby', 'u2', '100', '1', 'incrby', 'u2', '100', '1', 'incrby', 'u2', '100', '1'],
    ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1', 'INCRBY', 'u2', '102', '5', 'INCRBY', 'u2', '102', '-10'],
    ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '104', '4', 'INCRBY', 'u2', '104', '3', 'INCRBY', 'u2', '104', '1'],
    ['BITFIELD', 'k', 'SET', 'u8', '#1', '255', 'GET', 'u8', '8', 'GET', 'u8', '#1', 'SET', 'i16', '#3', '-1', 'GET', 'i16', '48'],
    ['BITFIELD', 'k', 'SET', 'i64', '0', I64_MIN, 'GET', 'i64', '0', 'GET', 'u63', '1', 'GET', 'i1', '0', 'GET', 'u1', '0'],
    ['BITFIELD', 'k', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'i64', '0', I64_MAX],
    ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', I64_MAX, 'INCRBY', 'i64', '0', I64_MAX, 'INCRBY', 'i64', '0', I64_MIN, 'INCRBY', 'i64', '0', I64_MIN],
    ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'SET', 'i64', '0', I64_MAX, 'INCRBY', 'i64', '0', '1', 'INCRBY', 'i64', '0', I64_MIN],
    ['BITFIELD', 'k', 'SET', 'u63', '0', I64_MAX, 'INCRBY', 'u63', '0', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '0', '-1', 'INCRBY', 'u63', '0', I64_MIN],
    ['BITFIELD', 'k', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', I64_MIN, 'SET', 'u8', '0', '-1', 'SET', 'i8', '0', '1000', 'SET', 'u8', '0', '1000'],
    ['BITFIELD', 'k', 'OVERFLOW', 'WRAP', 'SET', 'i8', '0', '1000', 'SET', 'u8', '0', '-1', 'SET', 'i5', '3', '-100', 'GET', 'i5', '3'],
    ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'SET', 'i8', '0', '1000', 'SET', 'u8', '0', '255', 'SET', 'u8', '0', '256'],
    ['BITFIELD', 'k', 'GET', 'i64', '5', 'GET', 'u63', '3', 'GET', 'i33', '7', 'GET', 'u17', '13'],
    ['BITFIELD', 'k', 'GET', 'u8', '100000'],
    ['GET', 'k'],
    ['BITFIELD', 'k'],
    ['BITFIELD', 'nokey', 'GET', 'i8', '0'],
    ['EXISTS', 'nokey'],
    ['BITFIELD', 'nokey'],
    ['BITFIELD', 'fail', 'OVERFLOW', 'FAIL', 'SET', 'u8', '16', '-1'],
    ['GET', 'fail'],
    ['BITFIELD', 'same', 'SET', 'u8', '0', '0'],
    ['BITFIELD', 'same', 'SET', 'u8', '0', '0'],
    ['GET', 'same'],
    ['SET', 't', 'a', 'EX', '100'],
    ['BITFIELD', 't', 'SET', 'u8', '16', '7'],
    ['TTL', 't'],
    ['SET', 'n', '42'],
    ['BITFIELD', 'n', 'GET', 'u8', '0', 'INCRBY', 'u8', '8', '1'],
    ['GET', 'n'],
  ]);
});

test('BITFIELD errors and BITFIELD_RO', async () => {
  await d.run([
    ['SET', 'k', 'abc'],
    ['BITFIELD', 'k', 'GET', 'I8', '0'],
    ['BITFIELD', 'k', 'GET', 'u64', '0'],
    ['BITFIELD', 'k', 'GET', 'i65', '0'],
    ['BITFIELD', 'k', 'GET', 'i0', '0'],
    ['BITFIELD', 'k', 'GET', 'u', '0'],
    ['BITFIELD', 'k', 'GET', 'x8', '0'],
    ['BITFIELD', 'k', 'GET', 'i08', '0'],
    ['BITFIELD', 'k', 'GET', '', '0'],
    ['BITFIELD', 'k', 'GET', 'i8', '-1'],
    ['BITFIELD', 'k', 'GET', 'i8', 'x'],
    ['BITFIELD', 'k', 'GET', 'i8', '#-1'],
    ['BITFIELD', 'k', 'GET', 'i8', '##1'],
    ['BITFIELD', 'k', 'GET', 'i8', '#'],
    ['BITFIELD', 'k', 'GET', 'i8', '4294967296'],
    ['BITFIELD', 'k', 'GET', 'i8', '#536870912'],
    ['BITFIELD', 'k', 'GET', 'i64', '#9223372036854775807'],
    ['BITFIELD', 'k', 'GET', 'i8', '#2305843009213693952'],
    ['BITFIELD', 'k', 'GET', 'i8'],
    ['BITFIELD', 'k', 'SET', 'i8', '0'],
    ['BITFIELD', 'k', 'SET', 'i8', '0', 'x'],
    ['BITFIELD', 'k', 'SET', 'i8', '0', '9223372036854775808'],
    ['BITFIELD', 'k', 'INCRBY', 'i8', '0', '1.5'],
    ['BITFIELD', 'k', 'OVERFLOW'],
    ['BITFIELD', 'k', 'OVERFLOW', 'MAYBE', 'GET', 'i8', '0'],
    ['BITFIELD', 'k', 'FOO', 'i8', '0'],
    ['BITFIELD', 'k', 'GET', 'i8', '0', 'SET', 'i8', '0', '1', 'BAD'],
    ['GET', 'k'],
    ['BITFIELD_RO', 'k', 'GET', 'i8', '0', 'GET', 'u4', '#1'],
    ['BITFIELD_RO', 'k', 'SET', 'i8', '0', '1'],
    ['BITFIELD_RO', 'k', 'INCRBY', 'i8', '0', '1'],
    ['BITFIELD_RO', 'k', 'OVERFLOW', 'SAT', 'GET', 'i8', '0'],
    ['BITFIELD_RO', 'k', 'GET', 'i8', '0', 'SET', 'u8', 'x', '1'],
    ['BITFIELD_RO', 'nokey', 'GET', 'i8', '0'],
    ['BITFIELD_RO', 'k'],
    ['RPUSH', 'l', 'x'],
    ['BITFIELD', 'l', 'GET', 'i8', '0'],
    ['BITFIELD', 'l', 'SET', 'i8', '0', '1'],
    ['BITFIELD', 'l', 'GET', 'i99', '0'],
    ['BITFIELD_RO', 'l', 'GET', 'i8', '0'],
    ['BITFIELD'],
    ['BITFIELD_RO'],
  ]);
  await d.run([
    ['BITFIELD', 'r', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '5', 'SET', 'u8', '8', '3', 'GET', 'u8', '8'],
    ['BITFIELD_RO', 'r', 'GET', 'u8', '8'],
  ], { resp: 3 });
});

test('BITFIELD on random fields agrees with Redis', async () => {
  let seed = 11;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const cmds: Cmd[] = [];
  const modes = ['WRAP', 'SAT', 'FAIL'];
  for (let i = 0; i < 150; i++) {
    const signed = rnd(2) === 0;
    const bits = signed ? 1 + rnd(64) : 1 + rnd(63);
    const type = (signed ? 'i' : 'u') + bits;
    const off = String(rnd(200));
    const val = String(BigInt(rnd(2000000)) * BigInt(rnd(2000000)) * BigInt(rnd(3) - 1) * BigInt(1 + rnd(5000)));
    const op = ['GET', 'SET', 'INCRBY'][rnd(3)];
    const args = op === 'GET' ? [op, type, off] : [op, type, off, val];
    cmds.push(['BITFIELD', 'r', 'OVERFLOW', modes[rnd(3)], ...args]);
  }
  cmds.push(['GET', 'r']);
  await d.run(cmds);
});

test('bit writes are counted and propagated as sent', async () => {
  const [, k] = await d.clients(2);
  const log = await propagated(d.kevy.server, async () => {
    await k.send(['SETBIT', 'b', '3', '1']);
    await k.send(['SETBIT', 'b', '3', '1']); // unchanged: not propagated
    await k.send(['BITFIELD', 'b', 'SET', 'u8', '0', '1']);
    await k.send(['BITFIELD', 'b', 'GET', 'u8', '0']); // read only
    await k.send(['BITOP', 'NOT', 'c', 'b']);
    await k.send(['BITOP', 'AND', 'c', 'nokey']); // deletes c
    await k.send(['BITOP', 'AND', 'c', 'nokey']); // nothing to delete
  });
  expect(log).toEqual([
    ['SETBIT', 'b', '3', '1'],
    ['BITFIELD', 'b', 'SET', 'u8', '0', '1'],
    ['BITOP', 'NOT', 'c', 'b'],
    ['BITOP', 'AND', 'c', 'nokey'],
  ]);
});
