/**
 * Hash commands against a real Redis 7.0: byte-identical replies where the
 * encoding makes them deterministic (a listpack keeps insertion order),
 * order-insensitive comparison for hashtables, and structural checks for
 * HRANDFIELD's random picks.
 */
import { beforeEach, expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';
import { decode, type Decoded } from './helpers/resp';

const d = differential();

function implemented(name: string): boolean {
  return d.kevy.server.table.commands.has(name);
}

beforeEach(async () => {
  if (!implemented('flushall')) for (const db of d.kevy.server.dbs) db.flush();
});

type R = Decoded;
const parse = decode;

/** Both replies as pairs (a flat field/value array or a RESP3 map), sorted. */
async function samePairs(cmd: Cmd, resp: 2 | 3 = 2): Promise<string[][]> {
  const [ra, rb] = await d.both(cmd, { resp });
  expect(rb[0], cmd.join(' ')).toBe(ra[0]);
  const pairs = (r: string): string[][] => {
    const flat = parse(r) as string[];
    const out: string[][] = [];
    for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
    return out.sort((x, y) => (x[0] < y[0] ? -1 : 1));
  };
  const want = pairs(ra);
  expect(pairs(rb), cmd.join(' ')).toEqual(want);
  return want;
}

/** Both replies as arrays of bulks, compared as multisets. */
async function sameMembers(cmd: Cmd, resp: 2 | 3 = 2): Promise<string[]> {
  const [ra, rb] = await d.both(cmd, { resp });
  expect(rb[0], cmd.join(' ')).toBe(ra[0]);
  const want = (parse(ra) as string[]).slice().sort();
  expect((parse(rb) as string[]).slice().sort(), cmd.join(' ')).toEqual(want);
  return want;
}

const BIN = Buffer.from('f\x00\xff\r\n', 'latin1');
const BINV = Buffer.from('\xff\x00v', 'latin1');

test('HSET, HGET, HMSET and the listpack reply order', async () => {
  await d.run([
    ['HSET', 'h', 'b', '2', 'a', '1'],
    ['HSET', 'h', 'a', '3', 'c', '4'],
    ['HSET', 'h', 'a', '3'],
    ['HMSET', 'h', 'x', 'y', 'b', 'bb'],
    ['HGET', 'h', 'a'], ['HGET', 'h', 'zz'], ['HGET', 'nokey', 'a'],
    ['HSET', 'h', BIN, BINV], ['HGET', 'h', BIN],
    ['HSET', 'h', '', ''], ['HGET', 'h', ''],
    ['HSET', 'h', 'dup', '1', 'dup', '2'], ['HGET', 'h', 'dup'],
    ['HGETALL', 'h'], ['HKEYS', 'h'], ['HVALS', 'h'], ['HLEN', 'h'],
    ['HMGET', 'h', 'a', 'zz', BIN, ''], ['HMGET', 'nokey', 'a', 'b'],
    ['HEXISTS', 'h', 'a'], ['HEXISTS', 'h', 'zz'], ['HEXISTS', 'nokey', 'a'],
    ['HSTRLEN', 'h', 'b'], ['HSTRLEN', 'h', BIN], ['HSTRLEN', 'h', 'zz'], ['HSTRLEN', 'nokey', 'a'],
    ['HSET', 'n', 'i', '12345', 'neg', '-7'], ['HSTRLEN', 'n', 'i'], ['HSTRLEN', 'n', 'neg'],
    ['HGETALL', 'nokey'], ['HKEYS', 'nokey'], ['HVALS', 'nokey'], ['HLEN', 'nokey'],
  ]);
  await d.run(
    [['HSET', 'h', 'a', '1', 'b', '2'], ['HGETALL', 'h'], ['HKEYS', 'h'], ['HVALS', 'h'], ['HMGET', 'h', 'a', 'x'], ['HGET', 'h', 'x'], ['HGETALL', 'nokey'], ['HKEYS', 'nokey']],
    { resp: 3 },
  );
});

test('wrong arity, including the HSET/HMSET pair rule', async () => {
  await d.run([
    ['HSET', 'h'], ['HSET', 'h', 'a'], ['HSET', 'h', 'a', '1', 'b'], ['HMSET', 'h', 'a'], ['HMSET', 'h', 'a', '1', 'b'],
    ['HGET', 'h'], ['HGET', 'h', 'a', 'b'], ['HSETNX', 'h', 'a'], ['HDEL', 'h'], ['HLEN'], ['HKEYS'], ['HVALS', 'a', 'b'],
    ['HGETALL'], ['HMGET', 'h'], ['HEXISTS', 'h'], ['HSTRLEN', 'h'], ['HINCRBY', 'h', 'a'], ['HINCRBYFLOAT', 'h', 'a'],
    ['HRANDFIELD'], ['HSCAN', 'h'],
  ]);
  // The pair rule is checked before the type.
  await d.run([['SET', 's', 'x'], ['HSET', 's', 'a', '1', 'b'], ['HMSET', 's', 'a']]);
});

test('WRONGTYPE for every hash command', async () => {
  await d.run([
    ['SET', 's', 'x'],
    ['HSET', 's', 'a', '1'], ['HMSET', 's', 'a', '1'], ['HSETNX', 's', 'a', '1'], ['HGET', 's', 'a'], ['HMGET', 's', 'a'],
    ['HDEL', 's', 'a'], ['HLEN', 's'], ['HSTRLEN', 's', 'a'], ['HEXISTS', 's', 'a'], ['HKEYS', 's'], ['HVALS', 's'],
    ['HGETALL', 's'], ['HINCRBY', 's', 'a', '1'], ['HINCRBYFLOAT', 's', 'a', '1'], ['HRANDFIELD', 's'],
    ['HRANDFIELD', 's', '0'], ['HRANDFIELD', 's', '3', 'WITHVALUES'], ['HSCAN', 's', '0'], ['GET', 's'],
  ]);
  await d.run([['HSET', 'h', 'a', '1'], ['GET', 'h'], ['SADD', 'h', 'x']]);
});

test('HSETNX and HDEL; deleting the last field deletes the key', async () => {
  await d.run([
    ['HSETNX', 'h', 'a', '1'], ['HSETNX', 'h', 'a', '2'], ['HSETNX', 'h', 'b', '3'], ['HGETALL', 'h'],
    ['HDEL', 'h', 'zz'], ['HDEL', 'nokey', 'a'], ['HDEL', 'h', 'a', 'a', 'zz'], ['HGETALL', 'h'],
    ['HDEL', 'h', 'b', 'b'], ['HLEN', 'h'], ['HGETALL', 'h'], ['HGET', 'h', 'b'],
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'], ['HDEL', 'h', 'b'], ['HGETALL', 'h'], ['HSET', 'h', 'd', '4'], ['HGETALL', 'h'],
  ]);
  if (implemented('exists')) await d.run([['EXISTS', 'h'], ['HDEL', 'h', 'a', 'c', 'd'], ['EXISTS', 'h']]);
});

test('HINCRBY', async () => {
  await d.run([
    ['HINCRBY', 'h', 'a', '5'], ['HINCRBY', 'h', 'a', '-12'], ['HINCRBY', 'h', 'a', '0'], ['HGET', 'h', 'a'],
    ['HINCRBY', 'h', 'b', '-9223372036854775808'], ['HINCRBY', 'h', 'b', '-1'], ['HINCRBY', 'h', 'b', '9223372036854775807'],
    ['HSET', 'h', 'big', '9223372036854775806'], ['HINCRBY', 'h', 'big', '1'], ['HINCRBY', 'h', 'big', '1'], ['HGET', 'h', 'big'],
    ['HSET', 'h', 'near', '9007199254740991'], ['HINCRBY', 'h', 'near', '2'], ['HINCRBY', 'h', 'near', '-9007199254740995'],
    ['HINCRBY', 'h', 'a', 'x'], ['HINCRBY', 'h', 'a', '1.5'], ['HINCRBY', 'h', 'a', ''], ['HINCRBY', 'h', 'a', '9223372036854775808'],
    ['HINCRBY', 'h', 'a', ' 1'], ['HINCRBY', 'h', 'a', '+1'], ['HINCRBY', 'h', 'a', '01'],
    ['HSET', 'h', 'str', 'abc', 'f', '1.5', 'sp', ' 1', 'e', ''],
    ['HINCRBY', 'h', 'str', '1'], ['HINCRBY', 'h', 'f', '1'], ['HINCRBY', 'h', 'sp', '1'], ['HINCRBY', 'h', 'e', '1'],
    ['HINCRBY', 'new', BIN, '-3'], ['HGETALL', 'new'], ['HINCRBY', 'nokey', 'a', 'x'], ['HGETALL', 'nokey'],
  ]);
  await d.run([['HINCRBY', 'h', 'a', '7'], ['HINCRBY', 'h', 'a', 'x']], { resp: 3 });
});

test('HINCRBYFLOAT', async () => {
  await d.run([
    ['HINCRBYFLOAT', 'h', 'a', '1.5'], ['HINCRBYFLOAT', 'h', 'a', '2.25'], ['HINCRBYFLOAT', 'h', 'a', '-3.75'],
    ['HINCRBYFLOAT', 'h', 'a', '1e3'], ['HINCRBYFLOAT', 'h', 'a', '5.0e1'], ['HINCRBYFLOAT', 'h', 'a', '-1050'],
    ['HSET', 'h', 'i', '10'], ['HINCRBYFLOAT', 'h', 'i', '0.5'], ['HINCRBYFLOAT', 'h', 'i', '.5'], ['HGET', 'h', 'i'],
    ['HINCRBYFLOAT', 'h', 'a', 'abc'], ['HINCRBYFLOAT', 'h', 'a', ''], ['HINCRBYFLOAT', 'h', 'a', 'nan'],
    ['HINCRBYFLOAT', 'h', 'a', 'inf'], ['HINCRBYFLOAT', 'h', 'a', '-inf'], ['HINCRBYFLOAT', 'h', 'a', ' 1'],
    ['HSET', 'h', 'str', 'abc', 'inf', 'inf', 'sp', '1 '],
    ['HINCRBYFLOAT', 'h', 'str', '1'], ['HINCRBYFLOAT', 'h', 'sp', '1'], ['HINCRBYFLOAT', 'h', 'inf', '1'],
    ['HINCRBYFLOAT', 'nokey', 'a', 'inf'], ['HGETALL', 'nokey'], ['HGETALL', 'h'],
  ]);
  // Long double arithmetic and formatting, as Redis on x86-64.
  await d.run([
    ['HSET', 'ld', 'a', '8000', 'b', '0.1', 'c', '1e308', 'd', '-0', 'e', '0x10'],
    ['HINCRBYFLOAT', 'ld', 'a', '1.1'], ['HINCRBYFLOAT', 'ld', 'b', '0.2'], ['HINCRBYFLOAT', 'ld', 'c', '1e308'],
    ['HINCRBYFLOAT', 'ld', 'd', '0'], ['HINCRBYFLOAT', 'ld', 'e', '0x1p-2'], ['HINCRBYFLOAT', 'ld', 'f', '1e400'],
    ['HINCRBYFLOAT', 'ld', 'g', '1e5000'], ['HINCRBYFLOAT', 'ld', 'h', '9223372036854775807'], ['HINCRBYFLOAT', 'ld', 'h', '1'],
    // The 309-byte result converted the hash to a hashtable.
    ['HMGET', 'ld', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
  ]);
  await d.run([['HINCRBYFLOAT', 'h', 'a', '2.5'], ['HINCRBYFLOAT', 'h', 'a', 'x']], { resp: 3 });
});

test('HINCRBYFLOAT is propagated as HSET with the result', async () => {
  const server = d.kevy.server;
  const seen: string[][][] = [];
  const orig = server.propagate.bind(server);
  server.propagate = (db: number, cmds: string[][]) => {
    seen.push(cmds);
    orig(db, cmds);
  };
  try {
    const [, k] = await d.clients(2);
    const dirty = server.dirty;
    await k.send(['HINCRBYFLOAT', 'h', 'f', '1.5']);
    await k.send(['HINCRBYFLOAT', 'h', 'f', 'x']);
    await k.send(['HSET', 'h', 'a', '1', 'b', '2']);
    await k.send(['HDEL', 'h', 'zz']);
    expect(seen).toEqual([[['HSET', 'h', 'f', '1.5']], [['HSET', 'h', 'a', '1', 'b', '2']]]);
    expect(server.dirty - dirty).toBe(3);
  } finally {
    server.propagate = orig;
  }
});

test('HRANDFIELD errors and deterministic shapes', async () => {
  const cmds: Cmd[] = [
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
    ['HRANDFIELD', 'h', 'x'], ['HRANDFIELD', 'h', '1.5'], ['HRANDFIELD', 'h', '-0'], ['HRANDFIELD', 'h', '01'],
    ['HRANDFIELD', 'h', '-9223372036854775808'], ['HRANDFIELD', 'h', '9223372036854775808'],
    ['HRANDFIELD', 'h', '1', 'foo'], ['HRANDFIELD', 'h', '1', 'withvalues', 'x'], ['HRANDFIELD', 'nokey', '1', 'foo'],
    ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'], ['HRANDFIELD', 'h', '-4611686018427387904', 'withvalues'],
    ['HRANDFIELD', 'nokey'], ['HRANDFIELD', 'nokey', '5'], ['HRANDFIELD', 'nokey', '-5', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '0'], ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
    // A count covering a listpack hash returns it whole, in insertion order.
    ['HRANDFIELD', 'h', '3'], ['HRANDFIELD', 'h', '100'], ['HRANDFIELD', 'h', '9223372036854775807'],
    ['HRANDFIELD', 'h', '3', 'WITHVALUES'], ['HRANDFIELD', 'h', '4611686018427387903', 'withvalues'],
    ['HSET', 'one', 'f', 'v'], ['HRANDFIELD', 'one'], ['HRANDFIELD', 'one', '1'], ['HRANDFIELD', 'one', '-3'],
    ['HRANDFIELD', 'one', '-2', 'WITHVALUES'], ['HRANDFIELD', 'one', '1', 'WITHVALUES'],
  ];
  await d.run(cmds);
  await d.run(cmds, { resp: 3 });
});

test('HRANDFIELD random picks (structure)', async () => {
  const fields: string[] = [];
  const cmd: Cmd = ['HSET', 'h'];
  for (let i = 0; i < 40; i++) {
    fields.push(`f${i}`);
    cmd.push(`f${i}`, `v${i}`);
  }
  await d.run([cmd]);
  for (const resp of [2, 3] as const) {
    for (const [count, withValues] of [[5, false], [30, false], [-50, false], [5, true], [35, true], [-7, true]] as const) {
      const args: Cmd = ['HRANDFIELD', 'h', String(count)];
      if (withValues) args.push('WITHVALUES');
      const [ra, rb] = await d.both(args, { resp });
      const n = Math.abs(count);
      for (const r of [ra, rb]) {
        const a = parse(r) as R[];
        let picks: string[][];
        if (!withValues) picks = (a as string[]).map((f) => [f]);
        else if (resp === 3) picks = a as string[][];
        else picks = Array.from({ length: a.length / 2 }, (_, i) => [a[2 * i] as string, a[2 * i + 1] as string]);
        expect(picks).toHaveLength(n);
        for (const p of picks) {
          expect(fields).toContain(p[0]);
          if (withValues) expect(p[1]).toBe('v' + p[0].slice(1));
        }
        if (count > 0) expect(new Set(picks.map((p) => p[0])).size).toBe(n);
      }
      expect(rb.slice(0, rb.indexOf('\r\n')), 'reply header').toBe(ra.slice(0, ra.indexOf('\r\n')));
    }
    const [ra, rb] = await d.both(['HRANDFIELD', 'h'], { resp });
    expect(fields).toContain(parse(ra));
    expect(fields).toContain(parse(rb));
  }
});

test('HSCAN of a listpack: everything in one call, MATCH filters fields', async () => {
  const cmds: Cmd[] = [
    ['HSET', 'h', 'user:1', 'a', 'user:2', 'b', 'other', 'c', BIN, BINV],
    ['HSCAN', 'h', '0'], ['HSCAN', 'h', '0', 'MATCH', 'user:*'], ['HSCAN', 'h', '0', 'match', '*', 'COUNT', '1'],
    ['HSCAN', 'h', '0', 'MATCH', 'f\x00*'], ['HSCAN', 'h', '0', 'MATCH', 'nomatch'], ['HSCAN', 'h', '7'],
    ['HSCAN', 'h', '0', 'COUNT', '1', 'MATCH', 'o*', 'COUNT', '100'],
    ['HSCAN', 'nokey', '0'], ['HSCAN', 'nokey', '0', 'bogus'],
    ['HSCAN', 'h', 'x'], ['HSCAN', 'h', '-1x'], ['HSCAN', 'h', ' 1'], ['HSCAN', 'h', '18446744073709551616'],
    ['HSCAN', 'h', ''], ['HSCAN', 'h', '+0'], ['HSCAN', 'h', '18446744073709551615'],
    ['HSCAN', 'h', '0', 'COUNT', '0'], ['HSCAN', 'h', '0', 'COUNT', '-1'], ['HSCAN', 'h', '0', 'COUNT', 'x'],
    ['HSCAN', 'h', '0', 'COUNT'], ['HSCAN', 'h', '0', 'MATCH'], ['HSCAN', 'h', '0', 'TYPE', 'string'],
    ['HSCAN', 'h', '0', 'NOVALUES'], ['HSCAN', 'h', '0', 'foo', 'bar'],
    ['SET', 's', 'x'], ['HSCAN', 's', 'x'],
  ];
  await d.run(cmds);
  await d.run([['HSET', 'h', 'a', '1'], ['HSCAN', 'h', '0'], ['HSCAN', 'nokey', '0']], { resp: 3 });
});

/** Runs a whole HSCAN on one side; returns the fields seen. */
async function hscanAll(which: 0 | 1, key: string, extra: Cmd = []): Promise<string[]> {
  const conn = (await d.clients(2))[which];
  const seen: string[] = [];
  let cursor = '0';
  let rounds = 0;
  do {
    const [next, items] = parse(await conn.send(['HSCAN', key, cursor, ...extra])) as [string, string[]];
    for (let i = 0; i < items.length; i += 2) {
      expect(items[i + 1]).toBe('v' + items[i].slice(1));
      seen.push(items[i]);
    }
    cursor = next;
    if (++rounds > 10000) throw new Error('HSCAN does not terminate');
  } while (cursor !== '0');
  return seen;
}

test('hashtable encoding: conversions and order-insensitive replies', async () => {
  const cmd: Cmd = ['HSET', 'big'];
  for (let i = 0; i < 600; i++) cmd.push(`f${i}`, `v${i}`);
  await d.run([cmd, ['HLEN', 'big'], ['HGET', 'big', 'f599'], ['HDEL', 'big', 'f0', 'f1'], ['HLEN', 'big']]);
  const all = await samePairs(['HGETALL', 'big']);
  expect(all).toHaveLength(598);
  await samePairs(['HGETALL', 'big'], 3);
  await sameMembers(['HKEYS', 'big']);
  await sameMembers(['HVALS', 'big']);
  await sameMembers(['HRANDFIELD', 'big', '1000']);
  const want = [...new Set(await hscanAll(0, 'big'))].sort();
  expect(want).toHaveLength(598);
  expect([...new Set(await hscanAll(1, 'big'))].sort()).toEqual(want);
  const wantMatch = [...new Set(await hscanAll(0, 'big', ['MATCH', 'f1*', 'COUNT', '7']))].sort();
  expect([...new Set(await hscanAll(1, 'big', ['MATCH', 'f1*', 'COUNT', '7']))].sort()).toEqual(wantMatch);
  if (implemented('object')) {
    await d.run([
      ['HSET', 'small', 'a', '1'], ['OBJECT', 'ENCODING', 'small'], ['OBJECT', 'ENCODING', 'big'],
      ['HSET', 'long', 'f', 'x'.repeat(64)], ['OBJECT', 'ENCODING', 'long'],
      ['HSET', 'long', 'g', 'x'.repeat(65)], ['OBJECT', 'ENCODING', 'long'],
      ['HSET', 'lf', 'y'.repeat(65), '1'], ['OBJECT', 'ENCODING', 'lf'],
      ['HSET', 'inc', 'a', '1'], ['HINCRBY', 'inc', 'z'.repeat(70), '1'], ['OBJECT', 'ENCODING', 'inc'],
      ['HSET', 'nx', 'a', '1'], ['HSETNX', 'nx', 'a', 'w'.repeat(70)], ['OBJECT', 'ENCODING', 'nx'],
      ['HSETNX', 'nx', 'b', 'w'.repeat(70)], ['OBJECT', 'ENCODING', 'nx'],
      // Never converts back.
      ['HDEL', 'long', 'g'], ['OBJECT', 'ENCODING', 'long'],
    ]);
    const c512: Cmd = ['HSET', 'edge'];
    for (let i = 0; i < 512; i++) c512.push(`f${i}`, 'v');
    await d.run([c512, ['OBJECT', 'ENCODING', 'edge'], ['HSET', 'edge', 'one-more', 'v'], ['OBJECT', 'ENCODING', 'edge']]);
  }
});

test('hash-max-listpack-* thresholds follow CONFIG SET', async () => {
  if (!implemented('config') || !implemented('object')) return;
  try {
    await d.run([
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '2'], ['CONFIG', 'SET', 'hash-max-listpack-value', '4'],
      ['HSET', 'h', 'a', '1', 'b', '2'], ['OBJECT', 'ENCODING', 'h'], ['HSET', 'h', 'c', '3'], ['OBJECT', 'ENCODING', 'h'],
      ['HSET', 'v', 'a', '1234'], ['OBJECT', 'ENCODING', 'v'], ['HSET', 'v', 'a', '12345'], ['OBJECT', 'ENCODING', 'v'],
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '0'], ['HSET', 'z', 'a', '1'], ['OBJECT', 'ENCODING', 'z'],
    ]);
  } finally {
    await d.run([['CONFIG', 'SET', 'hash-max-listpack-entries', '512'], ['CONFIG', 'SET', 'hash-max-listpack-value', '64']]);
  }
});
