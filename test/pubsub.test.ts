/**
 * Pub/Sub against a real redis-server: confirmations, messages and pattern
 * messages in RESP2 and RESP3, the RESP2 subscribed context, PUBSUB
 * introspection, sharded channels, many subscribers.
 */
import { expect, test } from 'vitest';
import { differential, show } from './helpers/diff';
import type { RawClient } from './helpers/resp';

const d = differential();

/** Runs the same steps on the redis side and the kevy side; each step's replies must match. */
async function sameOnBoth(fn: (side: 'redis' | 'kevy', pick: <T>(pair: [T, T]) => T) => Promise<string[]>): Promise<void> {
  const a = await fn('redis', (p) => p[0]);
  const b = await fn('kevy', (p) => p[1]);
  expect(b.map(show)).toEqual(a.map(show));
}

test('subscribe, publish, unsubscribe (RESP2 and RESP3)', async () => {
  for (const resp of [2, 3] as const) {
    const subs = await d.connect(resp);
    const pubs = await d.connect();
    await sameOnBoth(async (_side, pick) => {
      const sub = pick(subs);
      const pub = pick(pubs);
      const out: string[] = [];
      out.push(...(await sub.sendMany('*3\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n$1\r\nb\r\n', 2)));
      out.push(await sub.send(['PSUBSCRIBE', 'n*', 'a?']));
      out.push(await sub.next());
      out.push(await pub.send(['PUBLISH', 'a', 'hello']));
      out.push(await sub.next());
      out.push(await pub.send(['PUBLISH', 'ab', 'both?']));
      out.push(await sub.next());
      out.push(await pub.send(['PUBLISH', 'news', Buffer.from([0, 255, 1])]));
      out.push(await sub.next());
      out.push(await pub.send(['PUBLISH', 'zzz', 'x']));
      out.push(await pub.send(['PUBSUB', 'NUMSUB', 'a', 'b', 'zz']));
      out.push(await pub.send(['PUBSUB', 'NUMPAT']));
      out.push(await pub.send(['PUBSUB', 'CHANNELS', 'b*']));
      out.push(await sub.send(['PING']));
      out.push(await sub.send(['PING', 'x']));
      out.push(await sub.send(['GET', 'k']));
      out.push(await sub.send(['UNSUBSCRIBE', 'a', 'nosuch']));
      out.push(await sub.next());
      out.push(await sub.send(['PUNSUBSCRIBE']));
      out.push(await sub.next());
      out.push(await sub.send(['UNSUBSCRIBE']));
      out.push(await sub.send(['UNSUBSCRIBE']));
      out.push(await sub.send(['PING']));
      return out;
    });
  }
});

test('sharded channels', async () => {
  const subs = await d.connect();
  const pubs = await d.connect();
  await sameOnBoth(async (_side, pick) => {
    const sub = pick(subs);
    const pub = pick(pubs);
    const out: string[] = [];
    out.push(await sub.send(['SSUBSCRIBE', 's1']));
    out.push(await pub.send(['SPUBLISH', 's1', 'm']));
    out.push(await sub.next());
    out.push(await pub.send(['PUBSUB', 'SHARDCHANNELS']));
    out.push(await pub.send(['PUBSUB', 'SHARDNUMSUB', 's1', 's2']));
    out.push(await pub.send(['PUBLISH', 's1', 'not-sharded']));
    out.push(await sub.send(['SUNSUBSCRIBE']));
    out.push(await sub.send(['SUNSUBSCRIBE']));
    return out;
  });
});

test('argument errors', async () => {
  await d.run([['SUBSCRIBE'], ['PUBLISH', 'a'], ['PUBSUB'], ['PUBSUB', 'FOO'], ['PUBSUB', 'NUMPAT', 'x'], ['PSUBSCRIBE']]);
});

test('one publisher, 100 subscribers, messages in publish order', async () => {
  const kevySubs: RawClient[] = [];
  for (let i = 0; i < 100; i++) {
    const [, k] = await d.connect();
    await k.send(['SUBSCRIBE', 'fan']);
    kevySubs.push(k);
  }
  const [, pub] = await d.connect();
  for (let m = 0; m < 20; m++) expect(await pub.send(['PUBLISH', 'fan', `m${m}`])).toBe(':100\r\n');
  for (const k of kevySubs) {
    for (let m = 0; m < 20; m++) expect(await k.next()).toBe(`*3\r\n$7\r\nmessage\r\n$3\r\nfan\r\n$${String(m).length + 1}\r\nm${m}\r\n`);
  }
});
