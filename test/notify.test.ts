/**
 * Keyspace notifications against a real Redis 7.0: a subscriber on
 * `__key*__:*` on each server, a script of commands of every family, and the
 * full sequence of messages each server published (keyspace and keyevent
 * channels, in order) must be identical. Also the notify-keyspace-events
 * directive: canonical form and errors.
 */
import { expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';

const d = differential();

/** A step: a command for both servers (replies compared), or an action of its own. */
type Step = Cmd | (() => Promise<void>);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs steps with `flags` on; returns the messages each subscriber (RESP2 or
 * RESP3) received, in order: [redis, kevy].
 */
async function keyEvents(steps: Step[], flags = 'KEA', resp: 2 | 3 = 2): Promise<[string[], string[]]> {
  const [sa, sb] = await d.connect(resp);
  const pattern = ['PSUBSCRIBE', '__key*__:*', 'end-of-test'];
  await Promise.all([sa.send(pattern), sb.send(pattern)]);
  await Promise.all([sa.next(), sb.next()]); // the second PSUBSCRIBE confirmation
  const normalize = (r: string, cmd: Cmd) => (cmd[0] === 'PUBLISH' ? 'published' : cmd[0] === 'SPOP' ? r.slice(0, 1) : r);
  try {
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', flags]]);
    for (const s of steps) {
      if (typeof s === 'function') await s();
      else await d.run([s], { normalize });
    }
    await d.run([['PUBLISH', 'end-of-test', 'x']], { normalize });
  } finally {
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', '']]);
  }
  const collect = async (conn: typeof sa): Promise<string[]> => {
    const out: string[] = [];
    for (;;) {
      const m = await conn.next();
      if (m.includes('end-of-test')) return out;
      out.push(m);
    }
  };
  return [await collect(sa), await collect(sb)];
}

/** The readable "channel message" pairs of pmessage frames (for failure output). */
function pretty(msgs: string[]): string[] {
  return msgs.map((m) => {
    const parts = m.split('\r\n').filter((_, i) => i % 2 === 0 && i > 0);
    return parts.slice(2).join(' ');
  });
}

async function expectSameEvents(steps: Step[], flags = 'KEA', min = 1): Promise<void> {
  for (const resp of [2, 3] as const) {
    const [want, got] = await keyEvents(steps, flags, resp);
    expect(want.length).toBeGreaterThanOrEqual(min);
    expect(pretty(got)).toEqual(pretty(want));
    expect(got).toEqual(want);
  }
}

test('notify-keyspace-events: canonical form and errors', async () => {
  const cases = ['KEA', 'Kx', 'AKEmn', 'n', 'gx$lshzetdKE', 'E$', 'Ag', 'KEm', 'Q', 'KEAQ', 'A', 'x$', 'zhslg$', ''];
  for (const flags of cases) {
    await d.run([
      ['CONFIG', 'SET', 'notify-keyspace-events', flags],
      ['CONFIG', 'GET', 'notify-keyspace-events'],
    ]);
  }
  await d.run([['CONFIG', 'SET', 'notify-keyspace-events']], { normalize: (r) => r.slice(0, 1) });
  await d.run([['CONFIG', 'GET', 'notify-keyspace-events'], ['CONFIG', 'SET', 'notify-keyspace-events', '']], { resp: 3 });
});

test('string, bitmap and generic key commands', async () => {
  await expectSameEvents([
    ['SET', 'k', 'v'], ['SET', 'k', 'v2', 'EX', '100'], ['SET', 'k', 'x', 'NX'], ['SET', 'k', 'v3', 'XX', 'GET'],
    ['SET', 'k', 'v4', 'KEEPTTL'], ['SETNX', 'n', '1'], ['SETNX', 'n', '2'], ['SETEX', 'e', '100', 'v'], ['PSETEX', 'e', '100000', 'v'],
    ['GETSET', 'k', 'g'], ['MSET', 'a', '1', 'b', '2'], ['MSETNX', 'a', '1', 'z', '2'], ['MSETNX', 'y', '1', 'z', '2'],
    ['APPEND', 'a', 'x'], ['APPEND', 'new', 'x'], ['SETRANGE', 'a', '5', 'zz'], ['SETRANGE', 'a', '0', ''], ['SETRANGE', 'nope', '0', ''],
    ['INCR', 'i'], ['DECR', 'i'], ['INCRBY', 'i', '10'], ['DECRBY', 'i', '3'], ['INCRBYFLOAT', 'f', '1.5'], ['INCR', 'k'],
    ['GETEX', 'k', 'EX', '100'], ['GETEX', 'k', 'PERSIST'], ['GETEX', 'k', 'PERSIST'], ['GETEX', 'k'], ['GETEX', 'k', 'PXAT', '1'],
    ['GETDEL', 'a'], ['GETDEL', 'a'], ['GET', 'b'],
    ['SETBIT', 'bits', '7', '1'], ['SETBIT', 'bits', '7', '1'], ['SETBIT', 'bits', '100', '0'], ['SETBIT', 'bits', '1', '0'],
    ['BITFIELD', 'bf', 'SET', 'u8', '0', '255'], ['BITFIELD', 'bf', 'SET', 'u8', '0', '255'], ['BITFIELD', 'bf', 'GET', 'u8', '0'],
    ['BITOP', 'OR', 'dest', 'bits', 'bf'], ['BITOP', 'AND', 'dest', 'nokey1', 'nokey2'], ['BITOP', 'AND', 'dest', 'nokey1'],
    ['DEL', 'b', 'nokey', 'y', 'z'], ['UNLINK', 'i', 'nokey'],
    ['EXPIRE', 'f', '100'], ['EXPIRE', 'f', '50', 'GT'], ['PEXPIRE', 'f', '100000', 'LT'], ['EXPIREAT', 'f', '4000000000'],
    ['PERSIST', 'f'], ['PERSIST', 'f'], ['PERSIST', 'nokey'], ['EXPIRE', 'f', '-1'], ['EXPIRE', 'nokey', '10'],
    ['SET', 'r', '1', 'EX', '100'], ['RENAME', 'r', 's'], ['RENAME', 's', 's'], ['SET', 't', 'x'], ['RENAMENX', 's', 't'],
    ['RENAME', 's', 't'], ['RENAMENX', 't', 'u'], ['RENAME', 'nokey', 'x'],
    ['COPY', 'u', 'v'], ['COPY', 'u', 'v'], ['COPY', 'u', 'v', 'REPLACE'], ['COPY', 'u', 'w', 'DB', '2'],
    ['MOVE', 'u', '3'], ['MOVE', 'v', '3'], ['SELECT', '3'], ['MOVE', 'v', '0'], ['DEL', 'u', 'v'], ['SELECT', '2'], ['DEL', 'w'], ['SELECT', '0'],
    ['SET', 'binary\x00\xff', '\x00'], ['DEL', 'binary\x00\xff'],
    ['FLUSHDB'], ['SWAPDB', '0', '1'],
  ], 'KEA', 40);
});

test('list commands, blocking pops served by a push', async () => {
  const blocked = async (cmd: Cmd, push: Cmd) => {
    const [ba, bb] = await d.connect(2);
    const pending = Promise.all([ba.send(cmd), bb.send(cmd)]);
    await sleep(50);
    await d.run([push]);
    const [ra, rb] = await pending;
    expect(rb).toBe(ra);
  };
  await expectSameEvents([
    ['LPUSH', 'l', 'a', 'b', 'c'], ['RPUSH', 'l', 'd'], ['LPUSHX', 'nolist', 'x'], ['RPUSHX', 'l', 'e'], ['LPUSHX', 'l', 'f'],
    ['LINSERT', 'l', 'BEFORE', 'a', 'z'], ['LINSERT', 'l', 'AFTER', 'nothere', 'z'], ['LSET', 'l', '0', 'q'], ['LSET', 'l', '99', 'q'],
    ['LREM', 'l', '0', 'nothere'], ['LREM', 'l', '1', 'z'], ['LPOP', 'l'], ['RPOP', 'l'], ['LPOP', 'l', '0'], ['RPOP', 'l', '2'],
    ['LTRIM', 'l', '0', '0'], ['LTRIM', 'l', '1', '0'], ['LTRIM', 'nolist', '0', '1'],
    ['RPUSH', 'm', 'a', 'b', 'c'], ['LMOVE', 'm', 'n', 'LEFT', 'RIGHT'], ['RPOPLPUSH', 'm', 'n'], ['LMOVE', 'm', 'm', 'RIGHT', 'LEFT'],
    ['LMOVE', 'm', 'n', 'RIGHT', 'LEFT'], ['LMOVE', 'm', 'n', 'RIGHT', 'LEFT'], ['LMPOP', '2', 'm', 'n', 'LEFT', 'COUNT', '2'],
    ['LMPOP', '1', 'n', 'RIGHT', 'COUNT', '5'], ['RPUSH', 'p', '1', '2'], ['LREM', 'p', '0', '1'], ['LREM', 'p', '0', '2'],
    ['RPUSH', 'q', '1'], ['BLPOP', 'q', '0'], ['BRPOP', 'q', 'p', '0.01'], ['RPUSH', 'q', '1', '2'], ['BLMOVE', 'q', 'r', 'LEFT', 'LEFT', '0'],
    ['BRPOPLPUSH', 'q', 'r', '0'], ['BLMPOP', '0', '1', 'r', 'LEFT', 'COUNT', '1'],
    () => blocked(['BLPOP', 'w1', '0'], ['RPUSH', 'w1', 'a']),
    () => blocked(['BRPOP', 'w2', '0'], ['RPUSH', 'w2', 'a', 'b']),
    () => blocked(['BLMOVE', 'w3', 'dst', 'RIGHT', 'LEFT', '0'], ['LPUSH', 'w3', 'a']),
    () => blocked(['BLMPOP', '0', '1', 'w4', 'LEFT', 'COUNT', '3'], ['LPUSH', 'w4', 'a', 'b']),
  ], 'KEA', 40);
});

test('hash and set commands', async () => {
  await expectSameEvents([
    ['HSET', 'h', 'a', '1', 'b', '2'], ['HMSET', 'h', 'c', '3'], ['HSETNX', 'h', 'a', 'x'], ['HINCRBY', 'h', 'n', '1'],
    ['HINCRBYFLOAT', 'h', 'n', '1.5'], ['HDEL', 'h', 'zz'], ['HDEL', 'h', 'a', 'b', 'c', 'n'],
    ['SADD', 's', '1', '2'], ['SREM', 's', '1'], ['SMOVE', 's', 't', '2'], ['SADD', 'a', 'x'], ['SADD', 'b', 'x', 'y'],
    ['SINTERSTORE', 'd', 'a', 'b'], ['SUNIONSTORE', 'd', 'a', 'b'], ['SDIFFSTORE', 'd', 'a', 'b'],
    ['SPOP', 't'], ['SPOP', 'b', '5'],
  ], 'KEA', 15);
});

test('event classes: only the enabled ones, keyspace or keyevent channel only', async () => {
  const script: Cmd[] = [
    ['SET', 'k', '1'], ['EXPIRE', 'k', '100'], ['INCR', 'k'], ['LPUSH', 'l', 'x'], ['LPOP', 'l'], ['SADD', 's', 'x'],
    ['HSET', 'h', 'f', 'v'], ['DEL', 'k', 's', 'h'], ['PSETEX', 'x', '1', 'v'],
  ];
  for (const flags of ['K$', 'Eg', 'El', 'Kgs', 'Ex', 'KEh', 'KA', 'g$lshzxe']) {
    await d.run([['FLUSHALL']]);
    const [want, got] = await keyEvents([...script, () => sleep(20), ['GET', 'x']], flags);
    expect(got).toEqual(want);
  }
});

test('expired and new events', async () => {
  // Lazy expiry only, so both servers expire a and b in the same order.
  await d.run([['DEBUG', 'SET-ACTIVE-EXPIRE', '0']]);
  await expectSameEvents([
    ['SET', 'a', '1', 'PX', '1'], ['PSETEX', 'b', '1', 'x'], () => sleep(20), ['GET', 'a'], ['EXISTS', 'b'],
    ['SET', 'c', '1'], ['SET', 'c', '2'], ['LPUSH', 'l', 'x'], ['LPUSH', 'l', 'y'], ['HSET', 'h', 'f', 'v'], ['SADD', 's', 'm'],
    ['INCR', 'i'], ['APPEND', 'ap', 'x'], ['COPY', 'c', 'c2'], ['MOVE', 'c2', '1'], ['MSET', 'm1', '1', 'm2', '2'],
  ], 'KExn', 10).finally(() => d.run([['DEBUG', 'SET-ACTIVE-EXPIRE', '1']]));
});

test('keymiss events of read-only commands (class m)', async () => {
  await d.run([['DEBUG', 'SET-ACTIVE-EXPIRE', '0']]);
  await expectSameEvents([
    ['GET', 'm1'], ['MGET', 'm1', 'm2', 'm1'], ['EXISTS', 'm1', 'm2'], ['TYPE', 'm1'], ['TTL', 'm1'], ['PTTL', 'm1'],
    ['GETRANGE', 'm1', 'x', 'y'], ['GETRANGE', 'm1', '0', '1'], ['STRLEN', 'm1'], ['HGET', 'm1', 'f'], ['OBJECT', 'ENCODING', 'm1'],
    ['TOUCH', 'm1'], ['LRANGE', 'm1', '0', '1'], ['LINDEX', 'm1', 'x'], ['SMEMBERS', 'm1'], ['SINTER', 'm1', 'm2'], ['HGETALL', 'm1'],
    ['LCS', 'm1', 'm2'], ['BITCOUNT', 'm1'], ['GETBIT', 'm1', '0'], ['SET', 'e', '1'], ['GET', 'e'], ['MGET', 'e', 'm1'],
    ['HSET', 'h', 'f', 'v'], ['GET', 'h'], ['PSETEX', 'x', '1', 'v'], () => sleep(20), ['GET', 'x'], ['MEMORY', 'USAGE', 'm1'],
    ['SELECT', '1'], ['GET', 'e'], ['SELECT', '0'], ['ZSCORE', 'm1', 'a'], ['SCARD', 'm1'], ['LPOS', 'm1', 'a', 'RANK', '0'],
  ], 'KExm', 20).finally(() => d.run([['DEBUG', 'SET-ACTIVE-EXPIRE', '1']]));
});
