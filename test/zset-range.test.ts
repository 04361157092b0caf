/**
 * Differential tests of the sorted set range reads and set algebra:
 * ZRANGE (all forms), ZRANGESTORE, ZREV*, ZUNION/ZINTER/ZDIFF (+STORE),
 * ZINTERCARD.
 */
import { describe, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';

const d = differential();

const BIN = Buffer.from([0x00, 0xff, 0x41]);

async function both(cmds: Cmd[]): Promise<void> {
  await d.run(cmds);
  await d.run([['FLUSHALL']]);
  await d.run(cmds, { resp: 3 });
}

const FILL: Cmd = ['ZADD', 'z', '1', 'a', '2', 'b', '2', 'bb', '3', 'c', '-inf', 'lo', '+inf', 'hi', '2.5', BIN, '0', ''];
const LEX: Cmd = ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', '', '0', BIN, '0', 'ba'];

describe('ZRANGE by rank', () => {
  test('indexes', async () => {
    const cmds: Cmd[] = [FILL];
    for (const [s, e] of [['0', '-1'], ['0', '0'], ['-1', '-1'], ['-2', '-1'], ['2', '4'], ['4', '2'], ['-100', '100'], ['100', '200'], ['0', '-100'], ['-3', '2'], ['9223372036854775807', '-9223372036854775808']]) {
      cmds.push(['ZRANGE', 'z', s, e], ['ZRANGE', 'z', s, e, 'WITHSCORES'], ['ZREVRANGE', 'z', s, e, 'WITHSCORES'], ['ZRANGE', 'z', s, e, 'REV']);
    }
    cmds.push(['ZRANGE', 'nokey', '0', '-1'], ['ZRANGE', 'nokey', '0', '-1', 'WITHSCORES'], ['ZREVRANGE', 'nokey', '0', '-1']);
    await both(cmds);
  });

  test('options and errors', async () => {
    await both([
      FILL,
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '-1'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', 'x', '1'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', 'x', '1', 'BYSCORE'],
      ['ZRANGE', 'z', '0', '1', 'foo'],
      ['ZRANGE', 'z', 'x', 'y'],
      ['ZRANGE', 'z', '0', '1.5'],
      ['ZRANGE', 'z', '0', '1', 'REV', 'REV'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'],
      ['ZRANGE', 'z', '[a', '[b', 'BYLEX', 'WITHSCORES'],
      ['ZRANGE', 'z', '0', '1', 'withscores', 'WITHSCORES'],
      ['ZREVRANGE', 'z', '0', '1', 'REV'],
      ['ZREVRANGE', 'z', '0', '1', 'BYSCORE'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'BYLEX'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'BYSCORE'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'REV'],
      ['ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES'],
      ['ZRANGEBYLEX', 'z', '-', '+', 'REV'],
      ['SET', 'str', 'x'],
      ['ZRANGE', 'str', '0', '-1'],
      ['ZRANGE', 'str', 'x', '-1'],
      ['ZRANGEBYSCORE', 'str', '0', '1'],
      ['ZRANGEBYLEX', 'str', '-', '+'],
      ['ZRANGE', 'z', '0'],
      ['ZREVRANGE', 'z', '0'],
      ['ZRANGEBYSCORE', 'z'],
    ]);
  });
});

describe('ZRANGE by score', () => {
  test('ranges, exclusivity, infinities, LIMIT', async () => {
    const cmds: Cmd[] = [FILL];
    const ranges = [['-inf', '+inf'], ['1', '2'], ['(1', '2'], ['1', '(2'], ['(1', '(2'], ['2', '2'], ['(2', '2'], ['3', '1'],
      ['(-inf', '(+inf'], ['', ''], ['(', '3'], ['0x1', '0x2'], [' 2', '1e400'], ['-1e400', '0'], ['1\x00x', '2']];
    for (const [min, max] of ranges) {
      cmds.push(
        ['ZRANGEBYSCORE', 'z', min, max, 'WITHSCORES'],
        ['ZREVRANGEBYSCORE', 'z', max, min, 'WITHSCORES'],
        ['ZRANGE', 'z', min, max, 'BYSCORE'],
        ['ZRANGE', 'z', max, min, 'BYSCORE', 'REV', 'WITHSCORES'],
        ['ZCOUNT', 'z', min, max],
      );
    }
    for (const [o, l] of [['0', '2'], ['1', '2'], ['2', '-1'], ['-1', '2'], ['0', '0'], ['100', '1'], ['7', '5'], ['8', '5'], ['1', '9223372036854775807']]) {
      cmds.push(
        ['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'LIMIT', o, l],
        ['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'WITHSCORES', 'LIMIT', o, l],
        ['ZRANGE', 'z', '(1', '+inf', 'BYSCORE', 'LIMIT', o, l, 'WITHSCORES'],
      );
    }
    cmds.push(
      ['ZRANGEBYSCORE', 'z', 'a', '1'],
      ['ZRANGEBYSCORE', 'z', '1', 'nan'],
      ['ZRANGEBYSCORE', 'z', '((1', '2'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'LIMIT', '0'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'LIMIT', '0', 'x'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'WITHSCORES', 'LIMIT', '0', '1', 'foo'],
      ['ZRANGEBYSCORE', 'z', 'x', '1', 'LIMIT', 'y', '1'],
      ['ZRANGEBYSCORE', 'nokey', 'x', '1'],
      ['ZRANGEBYSCORE', 'nokey', '0', '1'],
    );
    await both(cmds);
  });
});

describe('ZRANGE by lex', () => {
  test('ranges and LIMIT', async () => {
    const cmds: Cmd[] = [LEX];
    const ranges: [string | Buffer, string | Buffer][] = [['-', '+'], ['[a', '[c'], ['(a', '[c'], ['[a', '(c'], ['(b', '(b'], ['[b', '[b'],
      ['[', '(b'], ['+', '-'], ['-', '-'], ['+', '+'], ['[d', '[a'], ['(b', '+'], ['-', '(b'], ['[\xff', '+'], ['(', '+']];
    for (const [min, max] of ranges) {
      cmds.push(
        ['ZRANGEBYLEX', 'l', min, max],
        ['ZREVRANGEBYLEX', 'l', max, min],
        ['ZRANGE', 'l', min, max, 'BYLEX'],
        ['ZRANGE', 'l', max, min, 'BYLEX', 'REV'],
        ['ZLEXCOUNT', 'l', min, max],
      );
    }
    for (const [o, l] of [['0', '2'], ['1', '2'], ['2', '-1'], ['-1', '2'], ['0', '0'], ['100', '1']]) {
      cmds.push(['ZRANGEBYLEX', 'l', '-', '+', 'LIMIT', o, l], ['ZREVRANGEBYLEX', 'l', '+', '-', 'LIMIT', o, l]);
    }
    cmds.push(
      ['ZRANGEBYLEX', 'l', 'a', '+'],
      ['ZRANGEBYLEX', 'l', '-', 'b'],
      ['ZRANGEBYLEX', 'l', '', '+'],
      ['ZRANGEBYLEX', 'l', '+a', '+'],
      ['ZRANGEBYLEX', 'nokey', '-', '+'],
      ['ZRANGEBYLEX', 'nokey', 'x', '+'],
      ['ZRANGEBYLEX', 'l', '-', '+', 'LIMIT', '1'],
    );
    await both(cmds);
  });
});

describe('ZRANGESTORE', () => {
  test('stores each range kind and replaces or deletes the destination', async () => {
    await both([
      FILL,
      LEX,
      ['ZRANGESTORE', 'd', 'z', '0', '-1'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'd', 'z', '1', '3', 'REV'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'd', 'z', '(1', '+inf', 'BYSCORE', 'LIMIT', '1', '2'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'd', 'z', '+inf', '(1', 'BYSCORE', 'REV', 'LIMIT', '0', '3'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'd', 'l', '[b', '+', 'BYLEX'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['SET', 'str', 'v'],
      ['EXPIRE', 'd', '100'],
      ['ZRANGESTORE', 'd', 'z', '0', '0'],
      ['TTL', 'd'],
      ['ZRANGESTORE', 'd', 'z', '5', '1'],
      ['EXISTS', 'd'],
      ['ZRANGESTORE', 'str', 'nokey', '0', '-1'],
      ['EXISTS', 'str'],
      ['ZRANGESTORE', 'd', 'str', '0', '-1'],
      ['ZRANGESTORE', 'd', 'z', '0', '-1', 'WITHSCORES'],
      ['ZRANGESTORE', 'd', 'z', '0', '1', 'LIMIT', '0', '1'],
      ['ZRANGESTORE', 'd', 'z', 'a', 'b', 'BYSCORE'],
      ['ZRANGESTORE', 'd', 'z', '0'],
      ['ZRANGESTORE', 'z', 'z', '0', '1'],
      ['ZRANGE', 'z', '0', '-1'],
    ]);
  });
});

describe('ZUNION, ZINTER, ZDIFF and their STORE forms', () => {
  const setup: Cmd[] = [
    ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z', '0.1', 'p'],
    ['ZADD', 'b', '10', 'y', '20', 'z', '30', 'w', '0.2', 'p'],
    ['SADD', 's', 'x', 'w', 'q', 'p'],
    ['SADD', 'i', '1', '2', '3'],
    ['ZADD', 'n', '1', '1', '5', '5'],
    ['ZADD', 'inf', '+inf', 'x', '-inf', 'y'],
    ['SET', 'str', 'v'],
  ];

  test('aggregates, weights, sets as inputs', async () => {
    const cmds: Cmd[] = [...setup];
    for (const op of ['ZUNION', 'ZINTER']) {
      cmds.push(
        [op, '2', 'a', 'b'],
        [op, '2', 'a', 'b', 'WITHSCORES'],
        [op, '3', 'a', 'b', 's', 'WITHSCORES'],
        [op, '2', 'a', 'b', 'WEIGHTS', '2', '-1', 'WITHSCORES'],
        [op, '2', 'a', 'b', 'AGGREGATE', 'MIN', 'WITHSCORES'],
        [op, '2', 'a', 'b', 'AGGREGATE', 'max', 'WITHSCORES'],
        [op, '2', 'a', 'b', 'WEIGHTS', '0x10', '1e-3', 'AGGREGATE', 'SUM', 'WITHSCORES'],
        [op, '2', 'a', 'a', 'WITHSCORES'],
        [op, '2', 's', 'i', 'WITHSCORES'],
        [op, '2', 'i', 'n', 'WITHSCORES'],
        [op, '2', 'a', 'inf', 'WITHSCORES'],
        [op, '2', 'inf', 'inf', 'WITHSCORES'],
        [op, '2', 'inf', 'inf', 'WEIGHTS', '1', '-1', 'WITHSCORES'],
        [op, '2', 'inf', 'a', 'WEIGHTS', '0', '1', 'WITHSCORES'],
        [op, '2', 'a', 'nokey', 'WITHSCORES'],
        [op, '1', 'nokey'],
        [op, '3', 'p1', 'p2', 'p3'],
        [op, '2', 'a', 'b', 'WEIGHTS', '1', '2', 'WEIGHTS', '3', '4', 'WITHSCORES', 'WITHSCORES'],
        [op, '2', 'a', 'b', 'AGGREGATE', 'MIN', 'AGGREGATE', 'MAX', 'WITHSCORES'],
      );
    }
    cmds.push(
      ['ZDIFF', '2', 'a', 'b'],
      ['ZDIFF', '2', 'a', 'b', 'WITHSCORES'],
      ['ZDIFF', '3', 'a', 'b', 's', 'WITHSCORES'],
      ['ZDIFF', '1', 'a', 'WITHSCORES'],
      ['ZDIFF', '2', 'a', 'a'],
      ['ZDIFF', '2', 'nokey', 'a'],
      ['ZDIFF', '2', 'a', 'nokey', 'WITHSCORES'],
      ['ZDIFF', '2', 's', 'a', 'WITHSCORES'],
      ['ZDIFF', '2', 'i', 'n', 'WITHSCORES'],
    );
    await both(cmds);
  });

  test('float sums follow Redis order', async () => {
    await both([
      ['ZADD', 'f1', '0.1', 'm', '1e16', 'n'],
      ['ZADD', 'f2', '0.2', 'm', '1', 'n', '9', 'o'],
      ['ZADD', 'f3', '0.3', 'm', '1', 'n'],
      ['ZUNION', '3', 'f1', 'f2', 'f3', 'WITHSCORES'],
      ['ZUNION', '3', 'f2', 'f3', 'f1', 'WITHSCORES'],
      ['ZINTER', '3', 'f2', 'f1', 'f3', 'WITHSCORES'],
      ['ZINTER', '3', 'f3', 'f1', 'f2', 'WEIGHTS', '3', '0.7', '1.1', 'WITHSCORES'],
    ]);
  });

  test('STORE forms', async () => {
    await both([
      ...setup,
      ['ZUNIONSTORE', 'd', '2', 'a', 'b'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['ZINTERSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2', 'AGGREGATE', 'MAX'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['ZDIFFSTORE', 'd', '2', 'a', 'b'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['EXPIRE', 'd', '100'],
      ['ZUNIONSTORE', 'd', '1', 's'],
      ['TTL', 'd'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['ZINTERSTORE', 'd', '2', 'a', 'nokey'],
      ['EXISTS', 'd'],
      ['ZINTERSTORE', 'd', '2', 'a', 'nokey'],
      ['ZDIFFSTORE', 'str', '2', 'a', 'a'],
      ['EXISTS', 'str'],
      ['ZUNIONSTORE', 'a', '2', 'a', 'b'],
      ['ZRANGE', 'a', '0', '-1', 'WITHSCORES'],
      ['ZUNIONSTORE', 'd', '1', 'str'],
      ['ZUNIONSTORE', 'd', '1', 'a', 'WITHSCORES'],
      ['ZDIFFSTORE', 'd', '1', 'a', 'WEIGHTS', '1'],
      ['ZUNIONSTORE', 'd', '0', 'a'],
      ['ZINTERSTORE', 'd', '3', 'a'],
      ['ZDIFFSTORE', 'd', '-1', 'a'],
      ['ZUNIONSTORE', 'd', 'x', 'a'],
      ['ZUNIONSTORE', 'd', '1'],
      ['ZDIFFSTORE', 'd'],
    ]);
  });

  test('errors', async () => {
    await both([
      ...setup,
      ['ZUNION', '0', 'a'],
      ['ZINTER', '-1', 'a'],
      ['ZDIFF', 'x', 'a'],
      ['ZUNION', '2', 'a'],
      ['ZUNION', '9223372036854775807', 'a'],
      ['ZUNION', '1', 'a', 'WEIGHTS'],
      ['ZUNION', '1', 'a', 'WEIGHTS', 'x'],
      ['ZUNION', '1', 'a', 'WEIGHTS', 'nan'],
      ['ZUNION', '1', 'a', 'WEIGHTS', '1e400'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1'],
      ['ZUNION', '1', 'a', 'AGGREGATE'],
      ['ZUNION', '1', 'a', 'AGGREGATE', 'avg'],
      ['ZUNION', '1', 'a', 'foo'],
      ['ZUNION', '2', 'str', 'nokey', 'WEIGHTS', 'x'],
      ['ZINTER', '2', 'a', 'str'],
      ['ZDIFF', '2', 'nokey', 'str'],
      ['ZDIFF', '1', 'a', 'WEIGHTS', '1'],
      ['ZDIFF', '1', 'a', 'AGGREGATE', 'SUM'],
      ['ZUNION', '1'],
      ['ZINTER'],
    ]);
  });

  test('ZINTERCARD', async () => {
    await both([
      ...setup,
      ['ZINTERCARD', '2', 'a', 'b'],
      ['ZINTERCARD', '3', 'a', 'b', 's'],
      ['ZINTERCARD', '2', 'a', 's', 'LIMIT', '1'],
      ['ZINTERCARD', '2', 'a', 's', 'LIMIT', '0'],
      ['ZINTERCARD', '1', 'a', 'LIMIT', '2', 'LIMIT', '0'],
      ['ZINTERCARD', '2', 'a', 'nokey'],
      ['ZINTERCARD', '2', 'i', 'n'],
      ['ZINTERCARD', '0', 'a'],
      ['ZINTERCARD', '-1', 'a'],
      ['ZINTERCARD', 'x', 'a'],
      ['ZINTERCARD', '2', 'a'],
      ['ZINTERCARD', '1', 'a', 'LIMIT', '-1'],
      ['ZINTERCARD', '1', 'a', 'LIMIT', 'x'],
      ['ZINTERCARD', '1', 'a', 'LIMIT'],
      ['ZINTERCARD', '1', 'a', 'WEIGHTS', '1'],
      ['ZINTERCARD', '1', 'a', 'WITHSCORES'],
      ['ZINTERCARD', '2', 'a', 'str'],
      ['ZINTERCARD', '1'],
    ]);
  });
});
