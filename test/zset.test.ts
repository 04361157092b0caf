/**
 * Differential tests of the sorted set commands against a real Redis 7.0.
 * Random replies (ZRANDMEMBER, ZSCAN of a big set) are checked structurally.
 */
import { describe, expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';

const d = differential();

const BIN = Buffer.from([0x00, 0xff, 0x41, 0x0d, 0x0a]);
const BIN2 = Buffer.from([0xff, 0x00]);

/** Runs cmds in RESP2, then again (after a flush) in RESP3. */
async function both(cmds: Cmd[]): Promise<void> {
  await d.run(cmds);
  await d.run([['FLUSHALL']]);
  await d.run(cmds, { resp: 3 });
}

describe('ZADD / ZINCRBY', () => {
  test('basic adds, updates and options', async () => {
    await both([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZADD', 'z', '1', 'a'],
      ['ZADD', 'z', 'CH', '5', 'a', '6', 'd'],
      ['ZADD', 'z', 'NX', '100', 'a', '7', 'e'],
      ['ZADD', 'z', 'XX', '100', 'a', '7', 'f'],
      ['ZADD', 'z', 'XX', 'CH', '101', 'a', '7', 'g'],
      ['ZADD', 'z', 'GT', 'CH', '50', 'a', '200', 'b', '9', 'h'],
      ['ZADD', 'z', 'LT', 'CH', '50', 'a', '300', 'b', '1', 'i'],
      ['ZADD', 'z', 'XX', 'GT', '1000', 'a', '1', 'zz'],
      ['ZADD', 'z', 'nx', 'ch', '1', 'a'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZADD', 'new', 'XX', '1', 'a'],
      ['EXISTS', 'new'],
      ['ZADD', 'new2', 'GT', '1', 'a'],
      ['ZADD', 'dup', '1', 'a', '2', 'a', '3', 'a'],
      ['ZADD', 'dup', 'CH', '4', 'a', '5', 'a'],
      ['ZSCORE', 'dup', 'a'],
    ]);
  });

  test('INCR and ZINCRBY', async () => {
    await both([
      ['ZADD', 'z', 'INCR', '1.5', 'a'],
      ['ZADD', 'z', 'INCR', '1.5', 'a'],
      ['ZADD', 'z', 'NX', 'INCR', '1', 'a'],
      ['ZADD', 'z', 'XX', 'INCR', '1', 'nope'],
      ['ZADD', 'z', 'GT', 'INCR', '-1', 'a'],
      ['ZADD', 'z', 'LT', 'INCR', '-1', 'a'],
      ['ZADD', 'z', 'INCR', '0', 'a'],
      ['ZINCRBY', 'z', '10', 'a'],
      ['ZINCRBY', 'z', '-0.1', 'b'],
      ['ZINCRBY', 'z', '1e308', 'c'],
      ['ZINCRBY', 'z', '1e308', 'c'],
      ['ZINCRBY', 'z', '+inf', 'd'],
      ['ZINCRBY', 'z', '-inf', 'd'],
      ['ZADD', 'z', 'INCR', '-inf', 'd'],
      ['ZINCRBY', 'z', 'abc', 'a'],
      ['ZINCRBY', 'z', 'nx', 'a'],
      ['ZINCRBY', 'z', 'incr', 'a'],
      ['ZINCRBY', 'nokey', '0', 'a'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ]);
  });

  test('score parsing', async () => {
    const scores = ['0x10', '1e400', '1e-400', '4.9e-324', ' 1', '1 ', '', '+5', '.5', '5.', 'infinity', '-INF', 'nan',
      '0x1p3', '1e5x', '0x', '1_0', '-0x1.8p1', '1\x002', 'inf', '+inf', '-inf', '3.0000000000000001', '1e-5', '123456789012345678'];
    const cmds: Cmd[] = [];
    for (const s of scores) cmds.push(['ZADD', 'z', s, 'm'], ['ZSCORE', 'z', 'm']);
    await both(cmds);
  });

  test('-0 and encodings', async () => {
    await d.run([
      ['ZADD', 'z', '-0', 'm'],
      ['ZSCORE', 'z', 'm'],
      ['ZINCRBY', 'z', '-0', 'm'],
      ['ZADD', 'z', 'INCR', '-0', 'n'],
      ['ZSCORE', 'z', 'n'],
      ['OBJECT', 'ENCODING', 'z'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'],
      ['ZADD', 'y', '-0', 'm'],
      ['OBJECT', 'ENCODING', 'y'],
      ['ZSCORE', 'y', 'm'],
      ['ZRANGE', 'y', '0', '-1', 'WITHSCORES'],
      ['ZUNIONSTORE', 'u', '1', 'y'],
      ['OBJECT', 'ENCODING', 'u'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
      ['ZUNIONSTORE', 'u', '1', 'y'],
      ['OBJECT', 'ENCODING', 'u'],
      ['ZSCORE', 'u', 'm'],
      ['ZUNION', '1', 'y', 'WITHSCORES'],
    ]);
  });

  test('errors', async () => {
    await both([
      ['SET', 'str', 'x'],
      ['ZADD', 'z', 'nx', 'xx', '1', 'a'],
      ['ZADD', 'z', 'gt', 'lt', '1', 'a'],
      ['ZADD', 'z', 'gt', 'nx', '1', 'a'],
      ['ZADD', 'z', 'lt', 'nx', '1', 'a'],
      ['ZADD', 'z', 'incr', '1', 'a', '2', 'b'],
      ['ZADD', 'z', '1'],
      ['ZADD', 'z'],
      ['ZADD', 'z', 'nx', 'xx', '1'],
      ['ZADD', 'z', 'abc', 'a'],
      ['ZADD', 'z', '1', 'a', 'x', 'b'],
      ['EXISTS', 'z'],
      ['ZADD', 'z', '1', 'a', 'foo'],
      ['ZADD', 'str', '1', 'a'],
      ['ZADD', 'str', 'XX', '1', 'a'],
      ['ZADD', 'str', 'abc', 'a'],
      ['ZINCRBY', 'str', '1', 'a'],
      ['ZINCRBY', 'z', '1'],
      ['ZADD', 'z', 'ch', 'incr', 'gt'],
    ]);
  });

  test('encoding conversion', async () => {
    const big: Cmd = ['ZADD', 'big'];
    for (let i = 0; i < 129; i++) big.push(String(i), 'm' + i);
    await d.run([
      ['ZADD', 'z', '1', 'a'],
      ['OBJECT', 'ENCODING', 'z'],
      ['ZADD', 'z', '2', 'x'.repeat(64)],
      ['OBJECT', 'ENCODING', 'z'],
      ['ZADD', 'z', '2', 'x'.repeat(65)],
      ['OBJECT', 'ENCODING', 'z'],
      ['ZREM', 'z', 'x'.repeat(65)],
      ['OBJECT', 'ENCODING', 'z'],
      big,
      ['OBJECT', 'ENCODING', 'big'],
      ['ZADD', 'long', '1', 'y'.repeat(65)],
      ['OBJECT', 'ENCODING', 'long'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '2'],
      ['ZADD', 'small', '1', 'a', '2', 'b'],
      ['OBJECT', 'ENCODING', 'small'],
      ['ZADD', 'small', '3', 'c'],
      ['OBJECT', 'ENCODING', 'small'],
      ['ZADD', 'three', '1', 'a', '2', 'b', '3', 'c'],
      ['OBJECT', 'ENCODING', 'three'],
      ['ZREMRANGEBYRANK', 'three', '0', '0'],
      ['OBJECT', 'ENCODING', 'three'],
      ['ZRANGESTORE', 'd1', 'small', '0', '-1'],
      ['OBJECT', 'ENCODING', 'd1'],
      ['ZRANGESTORE', 'd2', 'small', '0', '1'],
      ['OBJECT', 'ENCODING', 'd2'],
      ['ZRANGESTORE', 'd3', 'small', '-', '+', 'BYLEX'],
      ['OBJECT', 'ENCODING', 'd3'],
      ['ZRANGESTORE', 'd4', 'small', '-inf', '2', 'BYSCORE'],
      ['OBJECT', 'ENCODING', 'd4'],
      ['ZUNIONSTORE', 'd5', '1', 'three'],
      ['OBJECT', 'ENCODING', 'd5'],
      ['ZINTERSTORE', 'd6', '1', 'small'],
      ['OBJECT', 'ENCODING', 'd6'],
      ['ZDIFFSTORE', 'd7', '1', 'three'],
      ['OBJECT', 'ENCODING', 'd7'],
      // Redis 7.0 picks a new set's encoding from its first member, not from the number of pairs.
      ['ZADD', 'dup', '0', 'a', '0', 'a', '0', 'a'],
      ['OBJECT', 'ENCODING', 'dup'],
      ['ZADD', 'negz', '0', 'a', '0', 'a', '-0', 'b'],
      ['OBJECT', 'ENCODING', 'negz'],
      ['ZUNION', '1', 'negz', 'WITHSCORES'],
      ['ZSCORE', 'negz', 'b'],
      ['ZADD', 'negz', '1', 'c'],
      ['OBJECT', 'ENCODING', 'negz'],
      ['ZRANGE', 'negz', '0', '-1', 'WITHSCORES'],
      ['ZADD', 'upd', 'XX', '1', 'a', '2', 'b', '3', 'c'],
      ['EXISTS', 'upd'],
      ['ZADD', 'upd', 'NX', '1', 'a', '1', 'a', '1', 'a'],
      ['OBJECT', 'ENCODING', 'upd'],
      ['CONFIG', 'SET', 'zset-max-listpack-value', '3'],
      ['ZADD', 'v1', '0', 'ab', '0', 'abcdef'],
      ['OBJECT', 'ENCODING', 'v1'],
      ['ZADD', 'v2', '0', 'abcdef', '0', 'a'],
      ['OBJECT', 'ENCODING', 'v2'],
      ['ZADD', 'v3', '0', 'abc', '0', 'abc'],
      ['OBJECT', 'ENCODING', 'v3'],
      ['CONFIG', 'SET', 'zset-max-listpack-value', '64'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '0'],
      ['ZADD', 'e0', '-0', 'a'],
      ['OBJECT', 'ENCODING', 'e0'],
      ['ZSCORE', 'e0', 'a'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
    ]);
  });
});

describe('ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK', () => {
  test('normal and edge cases', async () => {
    await both([
      ['ZADD', 'z', '1', 'a', '1', 'b', '1', 'c', '-inf', 'lo', '+inf', 'hi', '2', BIN, '2', BIN2, '0', ''],
      ['ZCARD', 'z'],
      ['ZCARD', 'nokey'],
      ['ZSCORE', 'z', 'a'],
      ['ZSCORE', 'z', 'lo'],
      ['ZSCORE', 'z', 'hi'],
      ['ZSCORE', 'z', BIN],
      ['ZSCORE', 'z', ''],
      ['ZSCORE', 'z', 'nope'],
      ['ZSCORE', 'nokey', 'a'],
      ['ZMSCORE', 'z', 'a', 'nope', 'hi', BIN2],
      ['ZMSCORE', 'nokey', 'a', 'b'],
      ['ZRANK', 'z', 'lo'],
      ['ZRANK', 'z', ''],
      ['ZRANK', 'z', 'b'],
      ['ZRANK', 'z', BIN2],
      ['ZRANK', 'z', 'hi'],
      ['ZREVRANK', 'z', 'hi'],
      ['ZREVRANK', 'z', 'a'],
      ['ZRANK', 'z', 'nope'],
      ['ZRANK', 'nokey', 'a'],
      ['ZREVRANK', 'nokey', 'a'],
      ['ZRANK', 'z', 'a', 'WITHSCORE'],
      ['ZREM', 'z', 'a', 'nope', 'a', BIN],
      ['ZREM', 'z', 'nope'],
      ['ZREM', 'nokey', 'a'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZREM', 'z', 'b', 'c', 'lo', 'hi', BIN2, '', 'extra'],
      ['EXISTS', 'z'],
    ]);
  });

  test('wrong type and arity', async () => {
    await both([
      ['SET', 'str', 'x'],
      ['ZREM', 'str', 'a'],
      ['ZCARD', 'str'],
      ['ZSCORE', 'str', 'a'],
      ['ZMSCORE', 'str', 'a'],
      ['ZRANK', 'str', 'a'],
      ['ZREVRANK', 'str', 'a'],
      ['ZREM', 'z'],
      ['ZCARD'],
      ['ZCARD', 'a', 'b'],
      ['ZSCORE', 'z'],
      ['ZMSCORE', 'z'],
      ['ZRANK', 'z'],
      ['ZREVRANK', 'z', 'a', 'b', 'c'],
    ]);
  });
});

describe('ZCOUNT, ZLEXCOUNT', () => {
  test('score and lex counts', async () => {
    await both([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '3', 'd', '-inf', 'lo', '+inf', 'hi'],
      ['ZCOUNT', 'z', '-inf', '+inf'],
      ['ZCOUNT', 'z', '1', '3'],
      ['ZCOUNT', 'z', '(1', '3'],
      ['ZCOUNT', 'z', '(1', '(3'],
      ['ZCOUNT', 'z', '3', '1'],
      ['ZCOUNT', 'z', '(3', '3'],
      ['ZCOUNT', 'z', '(-inf', '(+inf'],
      ['ZCOUNT', 'z', '', ''],
      ['ZCOUNT', 'z', ' 1', '0x3'],
      ['ZCOUNT', 'z', '1e400', '+inf'],
      ['ZCOUNT', 'z', '1\x00abc', '3'],
      ['ZCOUNT', 'z', '(', '5'],
      ['ZCOUNT', 'nokey', '0', '1'],
      ['ZCOUNT', 'z', 'a', '1'],
      ['ZCOUNT', 'z', '1 ', '1'],
      ['ZCOUNT', 'z', 'nan', '1'],
      ['ZCOUNT', 'z', '((1', '1'],
      ['ZCOUNT', 'nokey', 'a', 'b'],
      ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', '', '0', BIN, '0', BIN2],
      ['ZLEXCOUNT', 'l', '-', '+'],
      ['ZLEXCOUNT', 'l', '[b', '[c'],
      ['ZLEXCOUNT', 'l', '(b', '[d'],
      ['ZLEXCOUNT', 'l', '(b', '(b'],
      ['ZLEXCOUNT', 'l', '[b', '[b'],
      ['ZLEXCOUNT', 'l', '[', '(a'],
      ['ZLEXCOUNT', 'l', '+', '-'],
      ['ZLEXCOUNT', 'l', '-', '-'],
      ['ZLEXCOUNT', 'l', '+', '+'],
      ['ZLEXCOUNT', 'l', '[d', '[a'],
      ['ZLEXCOUNT', 'l', '(\xff', '+'],
      ['ZLEXCOUNT', 'l', '-', '(\x01'],
      ['ZLEXCOUNT', 'nokey', '-', '+'],
      ['ZLEXCOUNT', 'l', 'a', '+'],
      ['ZLEXCOUNT', 'l', '-', 'b'],
      ['ZLEXCOUNT', 'l', '', '+'],
      ['ZLEXCOUNT', 'l', '+x', '+'],
      ['ZLEXCOUNT', 'l', '-\x00x', '+'],
      ['ZLEXCOUNT', 'nokey', 'x', '+'],
      ['SET', 'str', 'x'],
      ['ZCOUNT', 'str', '0', '1'],
      ['ZLEXCOUNT', 'str', '-', '+'],
      ['ZCOUNT', 'str', 'x', '1'],
      ['ZCOUNT', 'z', '1'],
      ['ZLEXCOUNT', 'z', '-'],
    ]);
  });
});

describe('ZREMRANGEBY*', () => {
  test('rank, score and lex', async () => {
    const fill: Cmd = ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f'];
    await both([
      fill,
      ['ZREMRANGEBYRANK', 'z', '0', '0'],
      ['ZREMRANGEBYRANK', 'z', '-1', '-1'],
      ['ZREMRANGEBYRANK', 'z', '10', '20'],
      ['ZREMRANGEBYRANK', 'z', '2', '1'],
      ['ZREMRANGEBYRANK', 'z', '-100', '0'],
      ['ZRANGE', 'z', '0', '-1'],
      ['ZREMRANGEBYRANK', 'z', '0', '100'],
      ['EXISTS', 'z'],
      fill,
      ['ZREMRANGEBYSCORE', 'z', '(1', '2'],
      ['ZREMRANGEBYSCORE', 'z', '5', '(6'],
      ['ZREMRANGEBYSCORE', 'z', '10', '20'],
      ['ZREMRANGEBYSCORE', 'z', '3', '1'],
      ['ZRANGE', 'z', '0', '-1'],
      ['ZREMRANGEBYSCORE', 'z', '-inf', '+inf'],
      ['EXISTS', 'z'],
      ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd'],
      ['ZREMRANGEBYLEX', 'l', '(a', '[b'],
      ['ZREMRANGEBYLEX', 'l', '[x', '+'],
      ['ZRANGE', 'l', '0', '-1'],
      ['ZREMRANGEBYLEX', 'l', '-', '+'],
      ['EXISTS', 'l'],
      ['ZREMRANGEBYRANK', 'nokey', '0', '-1'],
      ['ZREMRANGEBYSCORE', 'nokey', '0', '1'],
      ['ZREMRANGEBYLEX', 'nokey', '-', '+'],
      ['ZREMRANGEBYRANK', 'z', 'a', '1'],
      ['ZREMRANGEBYRANK', 'nokey', '1', '1.5'],
      ['ZREMRANGEBYSCORE', 'z', 'a', '1'],
      ['ZREMRANGEBYLEX', 'z', 'a', '+'],
      ['SET', 'str', 'x'],
      ['ZREMRANGEBYRANK', 'str', '0', '1'],
      ['ZREMRANGEBYSCORE', 'str', '0', '1'],
      ['ZREMRANGEBYLEX', 'str', '-', '+'],
      ['ZREMRANGEBYLEX', 'str', 'x', '+'],
      ['ZREMRANGEBYRANK', 'z', '0'],
    ]);
  });
});

describe('ZRANDMEMBER', () => {
  test('deterministic cases', async () => {
    await both([
      ['ZRANDMEMBER', 'nokey'],
      ['ZRANDMEMBER', 'nokey', '5'],
      ['ZRANDMEMBER', 'nokey', '-5', 'WITHSCORES'],
      ['ZADD', 'z', '1', 'b', '1', 'a', '0', 'z', '2', 'c'],
      ['ZRANDMEMBER', 'z', '0'],
      ['ZRANDMEMBER', 'z', '0', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '4'],
      ['ZRANDMEMBER', 'z', '100', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '9223372036854775807'],
      ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '-9223372036854775808'],
      ['ZRANDMEMBER', 'z', '9223372036854775808'],
      ['ZRANDMEMBER', 'z', 'x'],
      ['ZRANDMEMBER', 'z', '1', 'foo'],
      ['ZRANDMEMBER', 'z', '1', 'withscores', 'foo'],
      ['ZADD', 'one', '5', 'only'],
      ['ZRANDMEMBER', 'one'],
      ['ZRANDMEMBER', 'one', '1', 'WITHSCORES'],
      ['ZRANDMEMBER', 'one', '-3', 'WITHSCORES'],
      ['SET', 'str', 'x'],
      ['ZRANDMEMBER', 'str'],
      ['ZRANDMEMBER', 'str', '1'],
      ['ZRANDMEMBER', 'str', 'x'],
    ]);
  });

  test('random replies are well formed', async () => {
    const [, k] = await d.clients(2);
    const [, k3] = await d.clients(3);
    const members: string[] = [];
    const add: Cmd = ['ZADD', 'z'];
    for (let i = 0; i < 50; i++) {
      members.push('m' + i);
      add.push(String(i), 'm' + i);
    }
    await d.run([add]);
    const one = await k.send(['ZRANDMEMBER', 'z']);
    expect(members).toContain(one.split('\r\n')[1]);
    for (const count of [3, 20, 40, -10, -100]) {
      const r = await k.send(['ZRANDMEMBER', 'z', String(count), 'WITHSCORES']);
      const lines = r.split('\r\n');
      const n = Math.abs(count);
      expect(lines[0]).toBe('*' + n * 2);
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const m = lines[2 + i * 4];
        expect(members).toContain(m);
        expect(lines[4 + i * 4]).toBe(m.slice(1));
        seen.add(m);
      }
      if (count > 0) expect(seen.size).toBe(n);
      const r3 = await k3.send(['ZRANDMEMBER', 'z', String(count), 'WITHSCORES']);
      expect(r3.startsWith('*' + n + '\r\n*2\r\n$')).toBe(true);
      expect(r3.split('\r\n').filter((l) => l.startsWith(',')).length).toBe(n);
    }
  });
});

describe('ZSCAN', () => {
  test('compact sets come back whole', async () => {
    await both([
      ['ZADD', 'z', '1', 'a', '2.5', 'b', '-inf', 'c', '3', 'bb', '1e20', BIN],
      ['ZSCAN', 'z', '0'],
      ['ZSCAN', 'z', '0', 'COUNT', '1'],
      ['ZSCAN', 'z', '0', 'MATCH', 'b*'],
      ['ZSCAN', 'z', '0', 'MATCH', '*', 'COUNT', '100'],
      ['ZSCAN', 'nokey', '0'],
      ['ZSCAN', 'z', 'abc'],
      ['ZSCAN', 'z', '0', 'COUNT', '0'],
      ['ZSCAN', 'z', '0', 'COUNT', 'x'],
      ['ZSCAN', 'z', '0', 'MATCH'],
      ['ZSCAN', 'z', '0', 'FOO', 'bar'],
      ['SET', 'str', 'x'],
      ['ZSCAN', 'str', '0'],
      ['ZSCAN', 'z'],
    ]);
  });

  test('big sets: a full iteration returns every member once with its score', async () => {
    const add: Cmd = ['ZADD', 'big'];
    for (let i = 0; i < 300; i++) add.push(String(i / 4), 'm' + i);
    await d.run([add, ['OBJECT', 'ENCODING', 'big']]);
    const [, k] = await d.clients(2);
    const seen = new Map<string, string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const r = (await k.send(['ZSCAN', 'big', cursor, 'COUNT', '25'])).split('\r\n');
      cursor = r[2];
      const n = Number(r[3].slice(1));
      for (let i = 0; i < n; i += 2) seen.set(r[5 + i * 2], r[7 + i * 2]);
      rounds++;
    } while (cursor !== '0' && rounds < 1000);
    expect(seen.size).toBe(300);
    for (let i = 0; i < 300; i++) expect(seen.get('m' + i)).toBe(String(i / 4));
  });
});
