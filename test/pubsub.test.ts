/**
 * Pub/Sub against a real redis-server: confirmations, messages and pattern
 * messages in RESP2 and RESP3, the RESP2 subscribed context, PUBSUB
 * introspection, sharded channels, many subscribers, pushes under CLIENT
 * REPLY OFF / SKIP.
 */
import { expect, test } from 'vitest';
import { differential, show } from './helpers/diff';
import { encode, exchangeRaw, type RawClient } from './helpers/resp';

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

test('(un)subscribe confirmations and messages are pushes: sent under CLIENT REPLY OFF / SKIP', async () => {
  // Raw bytes up to a last PING end; HELLO 3's reply carries the connection id, masked.
  const noId = (s: string) => s.replace(/\$2\r\nid\r\n:\d+\r\n/, '$2\r\nid\r\n:N\r\n');
  for (const story of [
    'CLIENT REPLY SKIP; SUBSCRIBE ch; PING', // SUBSCRIBE uses the skip, PING answers
    'CLIENT REPLY OFF; SUBSCRIBE ch; UNSUBSCRIBE ch; CLIENT REPLY ON',
    'CLIENT REPLY OFF; UNSUBSCRIBE; PUNSUBSCRIBE; CLIENT REPLY ON', // no channels: a null name
    'HELLO 3; CLIENT REPLY OFF; SUBSCRIBE ch; PSUBSCRIBE p*; PUNSUBSCRIBE; UNSUBSCRIBE; UNSUBSCRIBE; PUNSUBSCRIBE; CLIENT REPLY ON',
    'HELLO 3; CLIENT REPLY SKIP; SSUBSCRIBE s; SUNSUBSCRIBE', // one channel: Redis unsubscribes all in its dict's order
    'HELLO 3; SUBSCRIBE ch; CLIENT REPLY OFF; PUBLISH ch m; CLIENT REPLY ON', // a message to itself
    'HELLO 3; PSUBSCRIBE c*; CLIENT REPLY SKIP; PUBLISH ch m',
    'HELLO 3; CLIENT REPLY OFF; MULTI; SUBSCRIBE a; PING x; PSUBSCRIBE b; EXEC; CLIENT REPLY ON', // inside EXEC
  ]) {
    const cmds = [...story.split('; '), 'PING end'].map((c) => encode(c.split(' ')));
    const [r, k] = await Promise.all([d.redisPort, d.kevyPort].map((p) => exchangeRaw(p, Buffer.concat(cmds), '$3\r\nend\r\n')));
    expect(show(noId(k)), story).toBe(show(noId(r)));
  }
  // A keyspace event a served BLMOVE causes, to the blocked client itself: sent, its reply dropped.
  await d.run([['CONFIG', 'SET', 'notify-keyspace-events', 'KA']]);
  try {
    await d.scenario(async (open) => {
      const a = await open(3);
      const b = await open();
      const out = [await a.send(['SUBSCRIBE', '__keyspace@0__:dst'])];
      void a.sendMany(Buffer.concat([encode(['CLIENT', 'REPLY', 'OFF']), encode(['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0'])]), 0);
      await new Promise((r) => setTimeout(r, 50));
      out.push(await b.send(['LPUSH', 'src', 'v']));
      out.push(await a.next());
      out.push(await a.send(['CLIENT', 'REPLY', 'ON']));
      return out;
    });
  } finally {
    await d.run([['CONFIG', 'SET', 'notify-keyspace-events', '']]);
  }
});
