/**
 * Keyspace notifications of the sorted set commands and SORT STORE against
 * a real Redis 7.0: a `__key*__:*` subscriber on each server must see the
 * same messages in the same order.
 */
import { expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';

const d = differential();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Step = Cmd | (() => Promise<void>);

async function expectSameEvents(steps: Step[]): Promise<void> {
  const [sa, sb] = await d.connect(2);
  const sub = ['PSUBSCRIBE', '__key*__:*', 'end-of-test'];
  await Promise.all([sa.send(sub), sb.send(sub)]);
  await Promise.all([sa.next(), sb.next()]);
  try {
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']]);
    for (const s of steps) {
      if (typeof s === 'function') await s();
      else await d.run([s]);
    }
    await d.run([['PUBLISH', 'end-of-test', 'x']], { normalize: () => 'published' });
  } finally {
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', '']]);
  }
  const collect = async (conn: typeof sa): Promise<string[]> => {
    const out: string[] = [];
    for (;;) {
      const m = await conn.next();
      if (m.includes('end-of-test')) return out;
      out.push(m.split('\r\n').filter((_, i) => i % 2 === 0 && i > 2).join(' '));
    }
  };
  const [want, got] = [await collect(sa), await collect(sb)];
  expect(want.length).toBeGreaterThan(30);
  expect(got).toEqual(want);
}

test('sorted set commands and SORT STORE', async () => {
  const blocked = async (cmd: Cmd, push: Cmd) => {
    const [ba, bb] = await d.connect(2);
    const pending = Promise.all([ba.send(cmd), bb.send(cmd)]);
    await sleep(50);
    await d.run([push]);
    const [ra, rb] = await pending;
    expect(rb).toBe(ra);
  };
  await expectSameEvents([
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['ZADD', 'z', '1', 'a'], ['ZADD', 'z', 'NX', '5', 'a'],
    ['ZADD', 'z', 'INCR', '1', 'a'], ['ZINCRBY', 'z', '0', 'a'], ['ZINCRBY', 'z', '1', 'new'], ['ZADD', 'z', 'XX', '1', 'nope'],
    ['ZREM', 'z', 'nope'], ['ZREM', 'z', 'new'], ['ZREMRANGEBYRANK', 'z', '0', '0'], ['ZREMRANGEBYRANK', 'z', '5', '9'],
    ['ZREMRANGEBYSCORE', 'z', '4', '4'], ['ZREMRANGEBYSCORE', 'z', '100', '200'], ['ZADD', 'l', '0', 'a', '0', 'b'],
    ['ZREMRANGEBYLEX', 'l', '[a', '[a'], ['ZREMRANGEBYLEX', 'l', '-', '+'], ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z', '5'],
    ['ZADD', 'x', '1', 'a', '2', 'b'], ['ZADD', 'y', '3', 'b'], ['ZUNIONSTORE', 'u', '2', 'x', 'y'], ['ZINTERSTORE', 'u', '2', 'x', 'y'],
    ['ZDIFFSTORE', 'u', '2', 'x', 'y'], ['ZINTERSTORE', 'u', '2', 'x', 'nokey'], ['ZINTERSTORE', 'u', '2', 'x', 'nokey'],
    ['ZRANGESTORE', 'r', 'x', '0', '-1'], ['ZRANGESTORE', 'r', 'x', '5', '9'], ['ZMPOP', '1', 'y', 'MIN'],
    ['BZPOPMIN', 'x', '0'], ['BZMPOP', '0', '1', 'x', 'MAX', 'COUNT', '3'],
    ['RPUSH', 'list', '3', '1', '2'], ['SORT', 'list', 'STORE', 'sorted'], ['SORT', 'nokey', 'STORE', 'sorted'],
    ['SORT', 'nokey', 'STORE', 'sorted'],
    () => blocked(['BZPOPMIN', 'w1', '0'], ['ZADD', 'w1', '1', 'a']),
    () => blocked(['BZMPOP', '0', '1', 'w2', 'MIN', 'COUNT', '3'], ['ZADD', 'w2', '1', 'a', '2', 'b']),
  ]);
});
