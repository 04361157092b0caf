import { expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';
import { propagated } from './helpers/servers';

const d = differential();

const BIN = 'a\x00b\xff\r\nc';
const I64_MAX = '9223372036854775807';
const I64_MIN = '-9223372036854775808';

test('GET and SET basics, binary keys and values', async () => {
  await d.run([
    ['GET', 'nokey'],
    ['SET', 'k', 'v'],
    ['GET', 'k'],
    ['SET', 'k', ''],
    ['GET', 'k'],
    ['SET', BIN, BIN],
    ['GET', BIN],
    ['SET', 'big', 'x'.repeat(100000)],
    ['GET', 'big'],
    ['GET'],
    ['GET', 'a', 'b'],
    ['SET', 'k'],
  ]);
});

test('SET options: NX XX GET KEEPTTL and their conflicts', async () => {
  await d.run([
    ['SET', 'k', 'v', 'NX'],
    ['SET', 'k', 'v2', 'NX'],
    ['GET', 'k'],
    ['SET', 'k', 'v3', 'XX'],
    ['SET', 'missing', 'v', 'XX'],
    ['GET', 'missing'],
    ['SET', 'k', 'v', 'nx', 'xx'],
    ['SET', 'k', 'v', 'XX', 'NX'],
    ['SET', 'k', 'v', 'NX', 'NX'],
    ['SET', 'k', 'v4', 'GET'],
    ['SET', 'k', 'v5', 'get', 'GET'],
    ['SET', 'new', 'v', 'GET'],
    ['SET', 'new', 'w', 'NX', 'GET'],
    ['GET', 'new'],
    ['SET', 'new2', 'w', 'XX', 'GET'],
    ['GET', 'new2'],
    ['SET', 'k', 'v', 'KEEPTTL'],
    ['SET', 'k', 'v', 'KEEPTTL', 'KEEPTTL'],
    ['SET', 'k', 'v', 'FOO'],
    ['SET', 'k', 'v', 'PERSIST'],
    ['SET', 'k', 'v', ''],
    ['SET', 'k', 'v', 'EX'],
    ['SET', 'k', 'v', 'KEEPTTL', 'EX', '10'],
    ['SET', 'k', 'v', 'EX', '10', 'KEEPTTL'],
    ['SET', 'k', 'v', 'EX', '10', 'PX', '100'],
    ['SET', 'k', 'v', 'PXAT', '10', 'EXAT', '100'],
    ['SET', 'k', 'v', 'EX', '10', 'EX', '20'],
    ['TTL', 'k'],
  ]);
});

test('SET expire arguments and the invalid expire time errors', async () => {
  await d.run([
    ['SET', 'k', 'v', 'EX', '100'],
    ['TTL', 'k'],
    ['SET', 'k', 'v', 'PX', '100000'],
    ['TTL', 'k'],
    ['SET', 'k', 'v', 'EXAT', String(Math.floor(Date.now() / 1000) + 1000)],
    ['SET', 'k', 'v', 'KEEPTTL'],
    ['SET', 'k', 'v'],
    ['TTL', 'k'],
    ['SET', 'k', 'v', 'EX', '0'],
    ['SET', 'k', 'v', 'EX', '-1'],
    ['SET', 'k', 'v', 'PX', '0'],
    ['SET', 'k', 'v', 'EXAT', '0'],
    ['SET', 'k', 'v', 'PXAT', '-5'],
    ['SET', 'k', 'v', 'EX', 'abc'],
    ['SET', 'k', 'v', 'EX', '1.5'],
    ['SET', 'k', 'v', 'EX', '01'],
    ['SET', 'k', 'v', 'EX', '99999999999999999999'],
    ['SET', 'k', 'v', 'EX', '9223372036854776'],
    ['SET', 'k', 'v', 'EXAT', '9223372036854776'],
    ['SET', 'k', 'v', 'PX', I64_MAX],
    ['SET', 'k', 'v', 'EX', '9223372036854775'],
    ['SET', 'k', 'v', 'EX', '0', 'GET'],
    ['GET', 'k'],
    // An absolute time in the past: OK, and the key is gone on access.
    ['SET', 'gone', 'v', 'EXAT', '1'],
    ['GET', 'gone'],
    ['EXISTS', 'gone'],
    ['SET', 'gone', 'v', 'PXAT', '1000'],
    ['GET', 'gone'],
  ]);
  const [r, k] = await d.both(['PTTL', 'k']);
  expect(r).toBe(k);
});

test('SET GET on a wrong type, and the rest of the WRONGTYPE cases', async () => {
  await d.run([
    ['RPUSH', 'list', 'a'],
    ['SET', 'list', 'v', 'GET'],
    ['LLEN', 'list'],
    ['GET', 'list'],
    ['GETSET', 'list', 'v'],
    ['GETDEL', 'list'],
    ['GETEX', 'list'],
    ['GETEX', 'list', 'EX', '0'],
    ['APPEND', 'list', 'x'],
    ['STRLEN', 'list'],
    ['GETRANGE', 'list', '0', '1'],
    ['SUBSTR', 'list', '0', '1'],
    ['SETRANGE', 'list', '0', 'x'],
    ['SETRANGE', 'list', '0', ''],
    ['INCR', 'list'],
    ['DECRBY', 'list', '2'],
    ['INCRBYFLOAT', 'list', '1.5'],
    ['MSET', 'x', '1', 'list', 'v'],
    ['MGET', 'x', 'list', 'nokey'],
    ['TYPE', 'list'],
    ['SET', 'list', 'v'],
    ['GET', 'list'],
  ]);
});

test('SETNX SETEX PSETEX', async () => {
  await d.run([
    ['SETNX', 'k', 'v'],
    ['SETNX', 'k', 'w'],
    ['GET', 'k'],
    ['SETNX', 'k'],
    ['SETEX', 'k', '100', 'v2'],
    ['TTL', 'k'],
    ['GET', 'k'],
    ['SETEX', 'k', '0', 'v'],
    ['SETEX', 'k', '-10', 'v'],
    ['SETEX', 'k', 'x', 'v'],
    ['SETEX', 'k', '10'],
    ['PSETEX', 'k', '100000', 'v3'],
    ['TTL', 'k'],
    ['PSETEX', 'k', '0', 'v'],
    ['PSETEX', 'k', I64_MAX, 'v'],
    ['RPUSH', 'l', 'a'],
    ['SETNX', 'l', 'v'],
    ['SETEX', 'l', '10', 'v'],
    ['TYPE', 'l'],
  ]);
});

test('GETEX, GETDEL, GETSET', async () => {
  await d.run([
    ['GETEX', 'nokey'],
    ['GETEX', 'nokey', 'EX', '0'],
    ['GETEX', 'nokey', 'FOO'],
    ['SET', 'k', 'v'],
    ['GETEX', 'k'],
    ['GETEX', 'k', 'EX', '100'],
    ['TTL', 'k'],
    ['GETEX', 'k', 'PX', '200000'],
    ['TTL', 'k'],
    ['GETEX', 'k', 'PERSIST'],
    ['TTL', 'k'],
    ['GETEX', 'k', 'PERSIST'],
    ['GETEX', 'k', 'EXAT', String(Math.floor(Date.now() / 1000) + 500)],
    ['TTL', 'k'],
    ['GETEX', 'k', 'EX', '0'],
    ['GETEX', 'k', 'EX', 'x'],
    ['GETEX', 'k', 'PX', I64_MAX],
    ['GETEX', 'k', 'PERSIST', 'EX', '10'],
    ['GETEX', 'k', 'EX', '10', 'PERSIST'],
    ['GETEX', 'k', 'EX', '10', 'PX', '10'],
    ['GETEX', 'k', 'KEEPTTL'],
    ['GETEX', 'k', 'NX'],
    ['GETEX', 'k', 'GET'],
    ['GETEX', 'k', 'EX'],
    ['GETEX', 'k', 'PXAT', '1'],
    ['EXISTS', 'k'],
    ['SET', 'k', 'v'],
    ['GETEX', 'k', 'EXAT', '1'],
    ['GET', 'k'],
    ['GETEX'],
    ['GETDEL', 'nokey'],
    ['SET', 'k', BIN],
    ['GETDEL', 'k'],
    ['GETDEL', 'k'],
    ['GETDEL'],
    ['GETDEL', 'a', 'b'],
    ['GETSET', 'k', 'v1'],
    ['SET', 'k', 'v', 'EX', '100'],
    ['GETSET', 'k', 'v2'],
    ['TTL', 'k'],
    ['GET', 'k'],
    ['GETSET', 'k'],
  ]);
});

test('MGET MSET MSETNX', async () => {
  await d.run([
    ['MSET', 'a', '1', 'b', '2', BIN, BIN],
    ['MGET', 'a', 'b', 'c', BIN],
    ['MSET', 'a'],
    ['MSET', 'a', '1', 'b'],
    ['MSET', 'a', '1', 'a', '2'],
    ['GET', 'a'],
    ['MSETNX', 'a', '1', 'z', '2'],
    ['EXISTS', 'z'],
    ['MSETNX', 'x', '1', 'y', '2'],
    ['MGET', 'x', 'y'],
    ['MSETNX', 'q', '1', 'q', '2'],
    ['GET', 'q'],
    ['MSETNX', 'x', '1', 'y'],
    ['MSETNX', 'x'],
    ['MGET'],
    ['SET', 't', 'v', 'EX', '100'],
    ['MSET', 't', 'w'],
    ['TTL', 't'],
  ]);
  await d.run([['MSET', 'a', '1'], ['MGET', 'a', 'nokey']], { resp: 3 });
});

test('APPEND and STRLEN', async () => {
  await d.run([
    ['APPEND', 'k', 'hello'],
    ['APPEND', 'k', ' world'],
    ['APPEND', 'k', ''],
    ['GET', 'k'],
    ['STRLEN', 'k'],
    ['APPEND', 'e', ''],
    ['EXISTS', 'e'],
    ['STRLEN', 'e'],
    ['APPEND', 'b', '\x00\xff'],
    ['APPEND', 'b', '\x00'],
    ['GET', 'b'],
    ['STRLEN', 'b'],
    ['STRLEN', 'nokey'],
    ['SET', 'n', '10'],
    ['APPEND', 'n', '5'],
    ['INCR', 'n'],
    ['SET', 't', 'v', 'EX', '100'],
    ['APPEND', 't', 'x'],
    ['TTL', 't'],
    ['APPEND', 'k'],
    ['STRLEN'],
    ['STRLEN', 'a', 'b'],
  ]);
});

test('GETRANGE and SUBSTR', async () => {
  const cmds: Cmd[] = [['SET', 'k', 'Hello World'], ['SET', 'e', ''], ['SET', 'n', '12345']];
  const ranges = [
    ['0', '4'], ['0', '-1'], ['-5', '-1'], ['-1', '-5'], ['5', '3'], ['0', '100'], ['-100', '2'], ['-100', '-50'],
    ['100', '200'], ['3', '3'], ['-1', '-1'], ['0', '0'], [I64_MIN, I64_MAX], [I64_MAX, I64_MIN], ['10', '-100'],
  ];
  for (const [s, e] of ranges) {
    cmds.push(['GETRANGE', 'k', s, e], ['SUBSTR', 'k', s, e], ['GETRANGE', 'e', s, e], ['GETRANGE', 'n', s, e]);
  }
  cmds.push(
    ['GETRANGE', 'nokey', '0', '-1'],
    ['GETRANGE', 'nokey', 'x', '1'],
    ['GETRANGE', 'k', 'x', '1'],
    ['GETRANGE', 'k', '1', '1.5'],
    ['GETRANGE', 'k', '1', '99999999999999999999'],
    ['GETRANGE', 'k', '1'],
    ['SUBSTR', 'k', '1', '2', '3'],
  );
  await d.run(cmds);
  await d.run([['SET', 'k', 'abc'], ['GETRANGE', 'k', '0', '1'], ['GETRANGE', 'nokey', '0', '1'], ['GETRANGE', 'k', '2', '1']], { resp: 3 });
});

test('SETRANGE', async () => {
  await d.run([
    ['SETRANGE', 'k', '0', 'hello'],
    ['SETRANGE', 'k', '6', 'world'],
    ['GET', 'k'],
    ['SETRANGE', 'k', '1', 'EL'],
    ['GET', 'k'],
    ['SETRANGE', 'k', '20', '!'],
    ['GET', 'k'],
    ['SETRANGE', 'k', '0', ''],
    ['SETRANGE', 'k', '100', ''],
    ['STRLEN', 'k'],
    ['SETRANGE', 'nokey', '5', ''],
    ['EXISTS', 'nokey'],
    ['SETRANGE', 'nokey', '3', BIN],
    ['GET', 'nokey'],
    ['SETRANGE', 'k', '-1', 'x'],
    ['SETRANGE', 'k', 'x', 'x'],
    ['SETRANGE', 'k', '1.5', 'x'],
    ['SETRANGE', 'k', '536870911', 'xx'],
    ['SETRANGE', 'k', '536870912', 'x'],
    ['SETRANGE', 'k', I64_MAX, 'x'],
    ['SETRANGE', 'nokey2', '536870912', 'x'],
    ['SETRANGE', 'nokey2', '536870912', ''],
    ['SET', 'n', '1234'],
    ['SETRANGE', 'n', '1', '9'],
    ['INCR', 'n'],
    ['SET', 't', 'v', 'EX', '100'],
    ['SETRANGE', 't', '0', 'w'],
    ['TTL', 't'],
    ['SETRANGE', 'k', '0'],
  ]);
});

test('INCR DECR INCRBY DECRBY over the whole int64 range', async () => {
  await d.run([
    ['INCR', 'n'],
    ['INCR', 'n'],
    ['DECR', 'n'],
    ['DECR', 'm'],
    ['INCRBY', 'n', '100'],
    ['INCRBY', 'n', '-1000'],
    ['DECRBY', 'n', '-5'],
    ['DECRBY', 'n', '5'],
    ['SET', 'n', '9007199254740991'],
    ['INCR', 'n'],
    ['INCR', 'n'],
    ['INCRBY', 'n', '9007199254740993'],
    ['GET', 'n'],
    ['SET', 'n', String(BigInt(I64_MAX) - 1n)],
    ['INCR', 'n'],
    ['INCR', 'n'],
    ['GET', 'n'],
    ['DECR', 'n'],
    ['SET', 'n', String(BigInt(I64_MIN) + 1n)],
    ['DECR', 'n'],
    ['DECR', 'n'],
    ['INCRBY', 'n', I64_MAX],
    ['INCRBY', 'z', I64_MIN],
    ['DECRBY', 'z', I64_MIN],
    ['DECRBY', 'z2', I64_MIN],
    ['DECRBY', 'z3', '-9223372036854775807'],
    ['DECRBY', 'z3', '1'],
    ['INCRBY', 'x', '9223372036854775808'],
    ['INCRBY', 'x', '1.5'],
    ['INCRBY', 'x', ''],
    ['INCRBY', 'x', ' 1'],
    ['INCRBY', 'x', '+1'],
    ['INCRBY', 'x', '01'],
    ['INCRBY', 'x', '-0'],
    ['INCRBY', 'x', '0'],
    ['SET', 's', 'abc'],
    ['INCR', 's'],
    ['SET', 's', ''],
    ['INCR', 's'],
    ['SET', 's', ' 1'],
    ['INCR', 's'],
    ['SET', 's', '1 '],
    ['INCR', 's'],
    ['SET', 's', '007'],
    ['INCR', 's'],
    ['SET', 's', '1.0'],
    ['DECR', 's'],
    ['SET', 's', '9223372036854775808'],
    ['INCR', 's'],
    ['SET', 't', '5', 'EX', '100'],
    ['INCR', 't'],
    ['TTL', 't'],
    ['INCR'],
    ['INCR', 'a', 'b'],
    ['INCRBY', 'a'],
    ['DECRBY', 'a', '1', '2'],
  ]);
  await d.run([['INCR', 'r3'], ['INCRBY', 'r3', '41'], ['DECR', 'r3']], { resp: 3 });
});

test('INCRBYFLOAT: long double results byte for byte', async () => {
  await d.run([
    ['INCRBYFLOAT', 'f', '10.5'],
    ['INCRBYFLOAT', 'f', '0.1'],
    ['INCRBYFLOAT', 'f', '-0.1'],
    ['INCRBYFLOAT', 'f', '-10.5'],
    ['SET', 'f', '3.0e3'],
    ['INCRBYFLOAT', 'f', '5.0e3'],
    ['INCRBYFLOAT', 'f', '1.1'],
    ['INCRBYFLOAT', 'f', '1.1'],
    ['SET', 'f', '5.0e3'],
    ['INCRBYFLOAT', 'f', '1.1'],
    ['INCRBYFLOAT', 'g', '1e300'],
    ['INCRBYFLOAT', 'g', '-1e300'],
    ['INCRBYFLOAT', 'h', '1e4000'],
    ['INCRBYFLOAT', 'h', '16'],
    ['INCRBYFLOAT', 'h', '-1e4000'],
    ['INCRBYFLOAT', 'i', '1e-4940'],
    ['INCRBYFLOAT', 'i', '1e-5000'],
    ['INCRBYFLOAT', 'i', '1e5000'],
    ['INCRBYFLOAT', 'i', '0.00000000000000001'],
    ['INCRBYFLOAT', 'i', '0.000000000000000001'],
    ['INCRBYFLOAT', 'i', '-0.0000000000000000001'],
    ['INCRBYFLOAT', 'j', '0x10'],
    ['INCRBYFLOAT', 'j', '0x1.8p1'],
    ['INCRBYFLOAT', 'j', '.5'],
    ['INCRBYFLOAT', 'j', '5.'],
    ['INCRBYFLOAT', 'j', '+1'],
    ['INCRBYFLOAT', 'j', '-1E2'],
    ['INCRBYFLOAT', 'j', '3.14159265358979323846264338327950288'],
    ['INCRBYFLOAT', 'j', '9223372036854775807'],
    ['INCRBYFLOAT', 'j', '123456789012345678901234567890'],
    ['INCRBYFLOAT', 'k', 'inf'],
    ['INCRBYFLOAT', 'k', '-inf'],
    ['INCRBYFLOAT', 'k', 'Infinity'],
    ['INCRBYFLOAT', 'k', 'nan'],
    ['INCRBYFLOAT', 'k', 'abc'],
    ['INCRBYFLOAT', 'k', ''],
    ['INCRBYFLOAT', 'k', ' 1'],
    ['INCRBYFLOAT', 'k', '1 '],
    ['INCRBYFLOAT', 'k', '1e'],
    ['INCRBYFLOAT', 'k', '.'],
    ['INCRBYFLOAT', 'k', '0x'],
    ['INCRBYFLOAT', 'k', '1'.repeat(5200)],
    ['EXISTS', 'k'],
    ['SET', 's', 'abc'],
    ['INCRBYFLOAT', 's', '1'],
    ['SET', 's', ' 1.5'],
    ['INCRBYFLOAT', 's', '1'],
    ['SET', 's', '1.5'],
    ['INCRBYFLOAT', 's', '1'],
    ['SET', 's', '10'],
    ['INCRBYFLOAT', 's', '5'],
    ['INCRBYFLOAT', 's', '-15'],
    ['SET', 't', '1', 'EX', '100'],
    ['INCRBYFLOAT', 't', '1.5'],
    ['TTL', 't'],
    ['INCRBYFLOAT', 't'],
  ]);
  await d.run([['INCRBYFLOAT', 'r', '1.25'], ['INCRBYFLOAT', 'r', '1.1']], { resp: 3 });
});

test('INCRBYFLOAT on random decimals agrees with Redis', async () => {
  let seed = 3;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const num = () => {
    const digits = String(rnd(1000000000)).padStart(1 + rnd(9), '0');
    const point = rnd(digits.length + 1);
    const s = (rnd(3) === 0 ? '-' : '') + digits.slice(0, point) + '.' + digits.slice(point);
    return rnd(4) === 0 ? `${s}e${rnd(40) - 20}` : s;
  };
  const cmds: Cmd[] = [];
  for (let i = 0; i < 200; i++) {
    if (i % 10 === 0) cmds.push(['SET', 'f', num()]);
    cmds.push(['INCRBYFLOAT', 'f', num()]);
  }
  await d.run(cmds);
});

test('LCS', async () => {
  await d.run([
    ['MSET', 'a', 'ohmytext', 'b', 'mynewtext'],
    ['LCS', 'a', 'b'],
    ['LCS', 'a', 'b', 'LEN'],
    ['LCS', 'a', 'b', 'IDX'],
    ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
    ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4'],
    ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
    ['LCS', 'a', 'b', 'idx', 'minmatchlen', '-5', 'withmatchlen'],
    ['LCS', 'a', 'b', 'LEN', 'MINMATCHLEN', '2'],
    ['LCS', 'b', 'a', 'IDX', 'WITHMATCHLEN'],
    ['LCS', 'a', 'nokey'],
    ['LCS', 'nokey', 'nokey2', 'IDX'],
    ['LCS', 'a', 'a', 'IDX', 'WITHMATCHLEN'],
    ['MSET', 'x', 'ACCGGTCGAGTGCGCGGAAGCCGGCCGAA', 'y', 'GTCGTTCGGAATGCCGTTGCTCTGTAAA'],
    ['LCS', 'x', 'y'],
    ['LCS', 'x', 'y', 'IDX', 'WITHMATCHLEN'],
    ['LCS', 'x', 'y', 'IDX', 'MINMATCHLEN', '3'],
    ['MSET', 'p', `\x00\xffab${BIN}`, 'q', `${BIN}\x00ab`],
    ['LCS', 'p', 'q'],
    ['LCS', 'p', 'q', 'IDX'],
    ['LCS', 'a', 'b', 'IDX', 'LEN'],
    ['LCS', 'a', 'b', 'LEN', 'IDX'],
    ['LCS', 'a', 'b', 'FOO'],
    ['LCS', 'a', 'b', 'MINMATCHLEN'],
    ['LCS', 'a', 'b', 'MINMATCHLEN', 'x'],
    ['RPUSH', 'l', 'x'],
    ['LCS', 'a', 'l'],
    ['LCS', 'l', 'nokey', 'FOO'],
    ['LCS', 'a'],
  ]);
  await d.run([
    ['MSET', 'a', 'ohmytext', 'b', 'mynewtext'],
    ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
    ['LCS', 'a', 'b', 'LEN'],
    ['LCS', 'a', 'b'],
  ], { resp: 3 });
});

test('LCS on random strings agrees with Redis', async () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const word = (len: number) => Array.from({ length: len }, () => 'abcd'[rnd(4)]).join('');
  const cmds: Cmd[] = [];
  for (let i = 0; i < 20; i++) {
    cmds.push(['MSET', 'a', word(rnd(40)), 'b', word(rnd(40))]);
    cmds.push(['LCS', 'a', 'b'], ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'], ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '2']);
  }
  await d.run(cmds);
});

test('writes are propagated as their effect', async () => {
  const [, k] = await d.clients(2);
  const now = Date.now();
  const log = await propagated(d.kevy.server, async () => {
    await k.send(['SET', 'a', '1', 'EX', '100', 'NX']);
    await k.send(['SET', 'a', '2', 'XX', 'GET', 'get']);
    await k.send(['SET', 'a', '3', 'KEEPTTL']);
    await k.send(['SETEX', 'b', '10', 'v']);
    await k.send(['PSETEX', 'b', '10000', 'v']);
    await k.send(['SET', 'c', 'v', 'PXAT', '99999999999999']);
    await k.send(['GETEX', 'c', 'EX', '50']);
    await k.send(['GETEX', 'c', 'PERSIST']);
    await k.send(['GETEX', 'c', 'PERSIST']); // no TTL left: not propagated
    await k.send(['GETEX', 'c', 'EXAT', '1']);
    await k.send(['GETSET', 'c', 'w']);
    await k.send(['GETDEL', 'c']);
    await k.send(['GETDEL', 'c']); // nothing to delete: not propagated
    await k.send(['INCRBYFLOAT', 'f', '1.5']);
    await k.send(['SET', 'x', 'v', 'NX']); // done
    await k.send(['SET', 'x', 'v', 'NX']); // refused: not propagated
    await k.send(['INCR', 'n']);
    await k.send(['SETRANGE', 'n', '0', '']); // no-op
    await k.send(['MSETNX', 'x', '1']); // refused
  });
  const abs = (i: number) => Number(log[i][4]);
  expect(log[0].slice(0, 4)).toEqual(['SET', 'a', '1', 'PXAT']);
  expect(abs(0)).toBeGreaterThanOrEqual(now + 100000);
  expect(abs(0)).toBeLessThan(now + 105000);
  expect(log[1]).toEqual(['SET', 'a', '2', 'XX']);
  expect(log[2]).toEqual(['SET', 'a', '3', 'KEEPTTL']);
  expect(log[3].slice(0, 4)).toEqual(['SET', 'b', 'v', 'PXAT']);
  expect(abs(3)).toBeGreaterThanOrEqual(now + 10000);
  expect(log[4].slice(0, 4)).toEqual(['SET', 'b', 'v', 'PXAT']);
  expect(log[5]).toEqual(['SET', 'c', 'v', 'PXAT', '99999999999999']);
  expect(log[6].slice(0, 2)).toEqual(['PEXPIREAT', 'c']);
  expect(Number(log[6][2])).toBeGreaterThanOrEqual(now + 50000);
  expect(log[7]).toEqual(['PERSIST', 'c']);
  expect(log[8]).toEqual(['DEL', 'c']);
  expect(log[9]).toEqual(['SET', 'c', 'w']);
  expect(log[10]).toEqual(['DEL', 'c']);
  expect(log[11]).toEqual(['SET', 'f', '1.5', 'KEEPTTL']);
  expect(log[12]).toEqual(['SET', 'x', 'v', 'NX']);
  expect(log[13]).toEqual(['INCR', 'n']);
  expect(log.length).toBe(14);
});

test('dirty counts changes like Redis', async () => {
  const srv = d.kevy.server;
  const [, k] = await d.clients(2);
  const dirty = srv.dirty;
  await k.send(['MSET', 'a', '1', 'b', '2', 'c', '3']);
  expect(srv.dirty - dirty).toBe(3);
  await k.send(['SET', 'a', '1', 'NX']);
  await k.send(['GET', 'a']);
  await k.send(['APPEND', 'a', 'x']);
  expect(srv.dirty - dirty).toBe(4);
});

test('OBJECT ENCODING of strings by history: raw after APPEND/SETRANGE/SETBIT/BITFIELD/BITOP, embstr after INCRBYFLOAT', async () => {
  const enc = (k: string): Cmd => ['OBJECT', 'ENCODING', k];
  const L44 = 'x'.repeat(44);
  await d.run([
    // APPEND: a new key is encoded as given, an existing one becomes raw (even appending nothing).
    ['APPEND', 'a', '12'], enc('a'),
    ['APPEND', 'a', ''], enc('a'), ['OBJECT', 'REFCOUNT', 'a'],
    ['SET', 'a', '12'], enc('a'), ['OBJECT', 'REFCOUNT', 'a'],
    ['SET', 'b', 'abc'], ['APPEND', 'b', 'd'], enc('b'),
    ['SET', 'b2', 'x'.repeat(40)], ['APPEND', 'b2', 'x'.repeat(10)], enc('b2'),
    // SETRANGE: raw, except when it sets nothing.
    ['SETRANGE', 'r', '0', '12'], enc('r'),
    ['SET', 'r2', 'abc'], ['SETRANGE', 'r2', '0', ''], enc('r2'),
    ['SETRANGE', 'r2', '1', 'B'], enc('r2'),
    ['SETRANGE', 'r3', '0', ''], ['EXISTS', 'r3'],
    ['SETRANGE', 'r4', '3', L44], enc('r4'),
    // SETBIT: raw even when the bit does not change.
    ['SET', 's', '5'], ['SETBIT', 's', '0', '0'], enc('s'), ['GET', 's'],
    ['SETBIT', 's2', '7', '1'], enc('s2'),
    ['SET', 's3', '5'], ['SETBIT', 's3', 'x', '1'], enc('s3'),
    // BITFIELD: raw with any write, even a failed one; untouched by GET only.
    ['SET', 'f', '5'], ['BITFIELD', 'f', 'GET', 'u8', '0'], enc('f'),
    ['BITFIELD', 'f', 'SET', 'u8', '0', '53'], enc('f'), ['GET', 'f'],
    ['SET', 'f2', '7'], ['BITFIELD', 'f2', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '10'], enc('f2'),
    ['BITFIELD', 'f3', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '10'], ['EXISTS', 'f3'], enc('f3'),
    ['BITFIELD_RO', 'f', 'GET', 'u8', '0'], enc('f'),
    // BITOP: raw destination.
    ['SET', 'q', '1'], ['BITOP', 'AND', 'dest', 'q'], enc('dest'), ['GET', 'dest'],
    ['BITOP', 'AND', 'dest', 'nokey'], ['EXISTS', 'dest'],
    // INCRBYFLOAT: embstr even for an integer result; INCR makes it int again.
    ['INCRBYFLOAT', 'n', '3'], enc('n'), ['OBJECT', 'REFCOUNT', 'n'],
    ['SET', 'n2', '1.5'], ['INCRBYFLOAT', 'n2', '1.5'], enc('n2'), ['GET', 'n2'],
    ['INCR', 'n2'], enc('n2'),
    ['INCRBYFLOAT', 'n3', '1e40'], enc('n3'),
    ['INCRBYFLOAT', 'n4', '1.25'], enc('n4'),
    // The history survives RENAME, COPY and MOVE, and GETEX/EXPIRE/PERSIST; any SET ends it.
    ['SETRANGE', 'h', '0', '7'], ['RENAME', 'h', 'h2'], enc('h2'),
    ['COPY', 'h2', 'h3'], enc('h3'),
    ['EXPIRE', 'h3', '100'], ['GETEX', 'h3', 'PERSIST'], enc('h3'),
    ['MOVE', 'h3', '1'], ['SELECT', '1'], enc('h3'), ['DEL', 'h3'], ['SELECT', '0'],
    ['RENAME', 'h2', 'a'], enc('a'),
    ['SET', 'h2', 'v'], ['RENAME', 'h2', 'a'], enc('a'),
    ['SETRANGE', 'g', '0', '9'], ['GETSET', 'g', '9'], enc('g'),
    ['SETRANGE', 'g', '0', '9'], ['DEL', 'g'], ['SET', 'g', '9'], enc('g'),
    ['SETRANGE', 'g', '0', '9'], ['MSET', 'g', '9'], enc('g'),
    ['SETRANGE', 'g', '0', '9'], ['SWAPDB', '0', '1'], ['SELECT', '1'], enc('g'), ['SELECT', '0'], ['SWAPDB', '0', '1'],
    ['SETRANGE', 'g', '0', '9'], ['FLUSHDB'], ['SET', 'g', '9'], enc('g'),
  ]);
});

test('OBJECT ENCODING by history ends with expiry and DEBUG RELOAD', async () => {
  await d.run([
    ['SETRANGE', 'e', '0', '1'], ['PEXPIRE', 'e', '1'], ['DEBUG', 'SLEEP', '0.01'], ['EXISTS', 'e'],
    ['SET', 'e', '1'], ['OBJECT', 'ENCODING', 'e'],
    ['SETRANGE', 'r', '0', '1'], ['DEBUG', 'RELOAD'], ['OBJECT', 'ENCODING', 'r'],
  ]);
  const [a, b] = await d.both(['DEBUG', 'OBJECT', 'r']);
  expect(a).toMatch(/encoding:int /);
  expect(b).toMatch(/encoding:int /);
  await d.both(['APPEND', 'r', '']);
  const [a2, b2] = await d.both(['DEBUG', 'OBJECT', 'r']);
  expect(a2).toMatch(/refcount:1 encoding:raw /);
  expect(b2).toMatch(/refcount:1 encoding:raw /);
});
