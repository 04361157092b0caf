import { beforeEach, test } from 'vitest';
import { differential } from './helpers/diff';

const d = differential();
// Empties kevy directly too, so these tests do not depend on FLUSHALL.
beforeEach(() => {
  for (const db of d.kevy.server.dbs) db.flush();
});

const BIN = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x41]);

test('push and pop, single and with count', async () => {
  await d.run([
    ['LPUSH', 'l', 'a', 'b', 'c'],
    ['RPUSH', 'l', 'x', 'y'],
    ['LRANGE', 'l', '0', '-1'],
    ['LPOP', 'l'],
    ['RPOP', 'l'],
    ['LPOP', 'l', '2'],
    ['RPOP', 'l', '0'],
    ['RPOP', 'l', '10'],
    ['LPOP', 'l'],
    ['LPOP', 'l', '3'],
    ['RPOP', 'l', '0'],
    ['EXISTS', 'l'],
    ['LPOP', 'l', '-1'],
    ['LPOP', 'l', 'x'],
    ['LPOP', 'l', '1', '2'],
    ['RPOP', 'l', '9223372036854775807'],
    ['RPOP', 'l', '9223372036854775808'],
    ['LPUSH', 'l'],
    ['RPUSH', 'l'],
    ['LPOP'],
    ['RPUSH', 'e', ''],
    ['LPOP', 'e'],
    ['RPUSH', BIN, BIN, 'z'],
    ['LRANGE', BIN, '0', '-1'],
    ['RPOP', BIN, '5'],
  ]);
});

test('pushx', async () => {
  await d.run([
    ['LPUSHX', 'l', 'a'],
    ['RPUSHX', 'l', 'a', 'b'],
    ['EXISTS', 'l'],
    ['RPUSH', 'l', 'm'],
    ['LPUSHX', 'l', 'a', 'b'],
    ['RPUSHX', 'l', 'y', 'z'],
    ['LRANGE', 'l', '0', '-1'],
    ['LPUSHX', 'l'],
    ['SET', 's', 'v'],
    ['LPUSHX', 's', 'a'],
    ['RPUSHX', 's', 'a'],
  ]);
});

test('wrong type everywhere', async () => {
  await d.run([
    ['SET', 's', 'v'],
    ['LPUSH', 's', 'a'],
    ['RPUSH', 's', 'a'],
    ['LPOP', 's'],
    ['RPOP', 's', '2'],
    ['LLEN', 's'],
    ['LINDEX', 's', '0'],
    ['LINDEX', 's', 'x'],
    ['LSET', 's', '0', 'x'],
    ['LRANGE', 's', '0', '-1'],
    ['LTRIM', 's', '0', '1'],
    ['LREM', 's', '0', 'a'],
    ['LINSERT', 's', 'BEFORE', 'a', 'b'],
    ['LPOS', 's', 'a'],
    ['LMOVE', 's', 'd', 'LEFT', 'RIGHT'],
    ['RPOPLPUSH', 's', 'd'],
    ['RPUSH', 'l', 'a'],
    ['LMOVE', 'l', 's', 'LEFT', 'RIGHT'],
    ['RPOPLPUSH', 'l', 's'],
    ['LRANGE', 'l', '0', '-1'],
    ['LMPOP', '2', 'nokey', 's', 'LEFT'],
    ['LMPOP', '2', 'l', 's', 'LEFT'],
    ['BLPOP', 'nokey', 's', '0'],
    ['BRPOP', 's', '0'],
    ['BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0'],
    ['BRPOPLPUSH', 's', 'd', '0'],
    ['BLMPOP', '0', '1', 's', 'RIGHT'],
    ['RPUSH', 'l2', 'a'],
    ['BLMOVE', 'l2', 's', 'LEFT', 'LEFT', '0'],
    ['LLEN', 'l2'],
  ]);
});

test('llen, lindex, lset', async () => {
  await d.run([
    ['LLEN', 'l'],
    ['RPUSH', 'l', 'a', 'b', 'c', BIN],
    ['LLEN', 'l'],
    ['LINDEX', 'l', '0'],
    ['LINDEX', 'l', '-1'],
    ['LINDEX', 'l', '-4'],
    ['LINDEX', 'l', '-5'],
    ['LINDEX', 'l', '4'],
    ['LINDEX', 'l', '9223372036854775807'],
    ['LINDEX', 'l', '-9223372036854775808'],
    ['LINDEX', 'l', 'x'],
    ['LINDEX', 'l', '1.5'],
    ['LINDEX', 'nokey', 'x'],
    ['LINDEX', 'nokey', '0'],
    ['LSET', 'l', '0', 'A'],
    ['LSET', 'l', '-1', ''],
    ['LSET', 'l', '-4', 'z'],
    ['LSET', 'l', '4', 'x'],
    ['LSET', 'l', '-5', 'x'],
    ['LSET', 'l', 'x', 'x'],
    ['LSET', 'nokey', 'x', 'x'],
    ['LSET', 'nokey', '0', 'x'],
    ['LRANGE', 'l', '0', '-1'],
    ['LINDEX', 'l'],
    ['LSET', 'l', '0'],
  ]);
});

test('lrange and ltrim index forms', async () => {
  const ranges = [
    ['0', '-1'], ['1', '2'], ['-3', '-2'], ['-100', '100'], ['5', '10'], ['3', '1'], ['-1', '-1'],
    ['0', '0'], ['-1', '0'], ['9223372036854775807', '-9223372036854775808'], ['-9223372036854775808', '9223372036854775807'],
  ];
  for (const [s, e] of ranges) {
    await d.run([
      ['DEL', 'l'],
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
      ['LRANGE', 'l', s, e],
      ['LTRIM', 'l', s, e],
      ['LRANGE', 'l', '0', '-1'],
      ['EXISTS', 'l'],
    ]);
  }
  await d.run([
    ['LRANGE', 'nokey', '0', '-1'],
    ['LRANGE', 'nokey', 'x', '1'],
    ['LRANGE', 'l', '0', 'x'],
    ['LTRIM', 'nokey', '0', '1'],
    ['LTRIM', 'nokey', 'a', '1'],
    ['LTRIM', 'l', '0'],
  ]);
  await d.run([['RPUSH', 'r', 'a', 'b'], ['LRANGE', 'r', '0', '-1'], ['LRANGE', 'r', '5', '6'], ['LPOP', 'r', '0'], ['LPOP', 'nokey', '1'], ['LPOP', 'nokey']], { resp: 3 });
});

test('lrem', async () => {
  await d.run([
    ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'b', 'a'],
    ['LREM', 'l', '2', 'a'],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '-1', 'a'],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '0', 'b'],
    ['LREM', 'l', '0', 'zz'],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '-9223372036854775808', 'a'],
    ['LREM', 'l', '0', 'c'],
    ['EXISTS', 'l'],
    ['LREM', 'nokey', '0', 'a'],
    ['LREM', 'nokey', 'x', 'a'],
    ['LREM', 'l', '1'],
    ['RPUSH', 'b', BIN, 'x', BIN],
    ['LREM', 'b', '1', BIN],
    ['LRANGE', 'b', '0', '-1'],
  ]);
});

test('linsert', async () => {
  await d.run([
    ['LINSERT', 'l', 'BEFORE', 'a', 'x'],
    ['RPUSH', 'l', 'a', 'b', 'c', 'b'],
    ['LINSERT', 'l', 'BEFORE', 'b', 'x'],
    ['LINSERT', 'l', 'after', 'b', 'y'],
    ['LINSERT', 'l', 'AFTER', 'c', 'z'],
    ['LINSERT', 'l', 'before', 'a', 'first'],
    ['LINSERT', 'l', 'AFTER', 'b', 'last'],
    ['LINSERT', 'l', 'BEFORE', 'nope', 'x'],
    ['LINSERT', 'l', 'MIDDLE', 'a', 'x'],
    ['LINSERT', 'nokey', 'MIDDLE', 'a', 'x'],
    ['LRANGE', 'l', '0', '-1'],
    ['LINSERT', 'l', 'BEFORE', 'a'],
    ['LINSERT', 'l', 'BEFORE', '', BIN],
    ['LINSERT', 'l', 'AFTER', 'first', BIN],
    ['LRANGE', 'l', '0', '-1'],
  ]);
});

test('lpos', async () => {
  await d.run([
    ['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'a', 'd'],
    ['LPOS', 'l', 'a'],
    ['LPOS', 'l', 'd'],
    ['LPOS', 'l', 'zz'],
    ['LPOS', 'l', 'a', 'RANK', '2'],
    ['LPOS', 'l', 'a', 'RANK', '-1'],
    ['LPOS', 'l', 'a', 'RANK', '-3'],
    ['LPOS', 'l', 'a', 'RANK', '4'],
    ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808'],
    ['LPOS', 'l', 'a', 'COUNT', '0'],
    ['LPOS', 'l', 'a', 'COUNT', '2'],
    ['LPOS', 'l', 'a', 'COUNT', '2', 'RANK', '2'],
    ['LPOS', 'l', 'a', 'COUNT', '0', 'RANK', '-1'],
    ['LPOS', 'l', 'a', 'COUNT', '0', 'RANK', '9'],
    ['LPOS', 'l', 'a', 'MAXLEN', '3'],
    ['LPOS', 'l', 'a', 'MAXLEN', '3', 'COUNT', '0'],
    ['LPOS', 'l', 'd', 'MAXLEN', '3'],
    ['LPOS', 'l', 'a', 'RANK', '-1', 'MAXLEN', '2', 'COUNT', '5'],
    ['LPOS', 'l', 'a', 'MAXLEN', '0'],
    ['LPOS', 'l', 'a', 'RANK', '0'],
    ['LPOS', 'l', 'a', 'COUNT', '-1'],
    ['LPOS', 'l', 'a', 'MAXLEN', '-1'],
    ['LPOS', 'l', 'a', 'RANK', 'x'],
    ['LPOS', 'l', 'a', 'RANK'],
    ['LPOS', 'l', 'a', 'FOO', '1'],
    ['LPOS', 'nokey', 'a'],
    ['LPOS', 'nokey', 'a', 'COUNT', '1'],
    ['LPOS', 'nokey', 'a', 'RANK', '0'],
    ['LPOS', 'l'],
  ]);
  await d.run([['RPUSH', 'l', 'a'], ['LPOS', 'l', 'z'], ['LPOS', 'nokey', 'a'], ['LPOS', 'l', 'a', 'COUNT', '3']], { resp: 3 });
});

test('lmove and rpoplpush', async () => {
  await d.run([
    ['RPUSH', 's', 'a', 'b', 'c'],
    ['LMOVE', 's', 'd', 'LEFT', 'RIGHT'],
    ['LMOVE', 's', 'd', 'right', 'left'],
    ['LMOVE', 's', 'd', 'LEFT', 'LEFT'],
    ['LMOVE', 's', 'd', 'RIGHT', 'RIGHT'],
    ['EXISTS', 's'],
    ['LRANGE', 'd', '0', '-1'],
    ['LMOVE', 'd', 'd', 'LEFT', 'RIGHT'],
    ['LRANGE', 'd', '0', '-1'],
    ['LMOVE', 'd', 'd', 'RIGHT', 'LEFT'],
    ['LRANGE', 'd', '0', '-1'],
    ['RPOPLPUSH', 'd', 'd'],
    ['RPOPLPUSH', 'd', 'x'],
    ['RPOPLPUSH', 'nokey', 'x'],
    ['LMOVE', 'nokey', 'x', 'LEFT', 'LEFT'],
    ['LMOVE', 'd', 'x', 'UP', 'LEFT'],
    ['LMOVE', 'd', 'x', 'LEFT', 'DOWN'],
    ['LMOVE', 'nokey', 'x', 'UP', 'LEFT'],
    ['RPUSH', 'one', 'v'],
    ['LMOVE', 'one', 'one', 'LEFT', 'LEFT'],
    ['LRANGE', 'one', '0', '-1'],
    ['RPOPLPUSH', 'x'],
    ['LMOVE', 'a', 'b', 'LEFT'],
    ['RPUSH', BIN, BIN],
    ['RPOPLPUSH', BIN, 'bin2'],
    ['LRANGE', 'bin2', '0', '-1'],
  ]);
  await d.run([['LMOVE', 'nokey', 'x', 'LEFT', 'LEFT'], ['RPOPLPUSH', 'nokey', 'x']], { resp: 3 });
});

test('lmpop', async () => {
  await d.run([
    ['RPUSH', 'l1', 'a', 'b', 'c', 'd'],
    ['RPUSH', 'l2', 'x'],
    ['LMPOP', '1', 'l1', 'LEFT'],
    ['LMPOP', '2', 'nokey', 'l1', 'right', 'COUNT', '2'],
    ['LMPOP', '2', 'l1', 'l2', 'LEFT', 'count', '10'],
    ['LMPOP', '2', 'l1', 'l2', 'LEFT'],
    ['LMPOP', '2', 'l1', 'l2', 'LEFT'],
    ['LMPOP', '0', 'l1', 'LEFT'],
    ['LMPOP', '-1', 'l1', 'LEFT'],
    ['LMPOP', 'x', 'l1', 'LEFT'],
    ['LMPOP', '3', 'l1', 'LEFT'],
    ['LMPOP', '1', 'l1', 'UP'],
    ['LMPOP', '1', 'l1', 'LEFT', 'COUNT'],
    ['LMPOP', '1', 'l1', 'LEFT', 'COUNT', '0'],
    ['LMPOP', '1', 'l1', 'LEFT', 'COUNT', '-1'],
    ['LMPOP', '1', 'l1', 'LEFT', 'COUNT', 'x'],
    ['LMPOP', '1', 'l1', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
    ['LMPOP', '1', 'l1', 'LEFT', 'FOO'],
    ['LMPOP', '9223372036854775808', 'l1', 'LEFT'],
    ['LMPOP', '1', 'l1'],
  ]);
  await d.run([['RPUSH', 'l', 'a', 'b'], ['LMPOP', '1', 'l', 'RIGHT', 'COUNT', '5'], ['LMPOP', '1', 'l', 'RIGHT']], { resp: 3 });
});

test('blocking commands that do not block', async () => {
  await d.run([
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
    ['BLPOP', 'nokey', 'l', '0'],
    ['BRPOP', 'l', 'nokey', '1.5'],
    ['BLMOVE', 'l', 'd', 'LEFT', 'RIGHT', '0'],
    ['BRPOPLPUSH', 'l', 'd', '0'],
    ['BLMPOP', '0', '2', 'nokey', 'l', 'LEFT', 'COUNT', '5'],
    ['EXISTS', 'l'],
    ['LRANGE', 'd', '0', '-1'],
    ['BLPOP', 'l', '-1'],
    ['BLPOP', 'l', 'x'],
    ['BLPOP', 'l', ' 1'],
    ['BLPOP', 'l', 'nan'],
    ['BLPOP', 'l', 'inf'],
    ['BLPOP', 'l', '-inf'],
    ['BLPOP', 'l', '1e400'],
    ['BLPOP', 'l', '1e5000'],
    ['BLPOP', 'l', ''],
    ['BLPOP', 'l', '9.3e15'],
    ['BRPOP', 'l', '-0.5'],
    ['BLMOVE', 'l', 'd', 'LEFT', 'RIGHT', '-1'],
    ['BLMOVE', 'l', 'd', 'UP', 'RIGHT', '-1'],
    ['BRPOPLPUSH', 'l', 'd', 'x'],
    ['BLMPOP', 'x', '1', 'l', 'LEFT'],
    ['BLMPOP', '-1', '1', 'l', 'LEFT'],
    ['BLMPOP', '0', '0', 'l', 'LEFT'],
    ['BLMPOP', '0', '1', 'l', 'UP'],
    ['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '0'],
    ['BLMPOP', '0', '2', 'l', 'LEFT'],
    ['BLPOP', 'l'],
    ['BLMOVE', 'l', 'd', 'LEFT', 'RIGHT'],
    ['BLMPOP', '0', '1', 'l'],
  ]);
});

test('blocking commands inside MULTI answer as a timeout', async () => {
  for (const resp of [2, 3] as const) {
    await d.run([
      ['MULTI'],
      ['BLPOP', 'nokey', '0'],
      ['BRPOP', 'nokey', '0'],
      ['BLMOVE', 'nokey', 'd', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'nokey', 'd', '0'],
      ['BLMPOP', '0', '1', 'nokey', 'LEFT'],
      ['RPUSH', 'k', 'v'],
      ['BLPOP', 'k', '0'],
      ['EXEC'],
    ], { resp });
  }
});

test('large lists keep order through growth and shrink', async () => {
  const many = Array.from({ length: 300 }, (_, i) => 'v' + i);
  await d.run([
    ['RPUSH', 'l', ...many],
    ['LPUSH', 'l', ...many],
    ['LLEN', 'l'],
    ['LINDEX', 'l', '299'],
    ['LINDEX', 'l', '300'],
    ['LINSERT', 'l', 'BEFORE', 'v150', 'mid'],
    ['LRANGE', 'l', '140', '170'],
    ['LPOP', 'l', '250'],
    ['RPOP', 'l', '250'],
    ['LRANGE', 'l', '0', '-1'],
    ['OBJECT', 'ENCODING', 'l'],
  ]);
});
