/**
 * Transactions, Pub/Sub and keyspace notifications through ioredis and
 * node-redis, as an application uses them: multi().exec() (with WATCH),
 * subscribe / on('message'), psubscribe / on('pmessage'), RESP2 and RESP3.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { startKevy } from './helpers/servers';
import type { RunningServer } from '../src/index';

let kevy: RunningServer;

beforeAll(async () => {
  kevy = await startKevy();
});

afterAll(async () => {
  await kevy.close();
});

/** Resolves when `cond` holds (polling), or fails after a while. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out waiting for ' + what);
}

test('ioredis: multi().exec(), WATCH aborting a transaction, errors inside EXEC', async () => {
  const r = new Redis({ port: kevy.port });
  const other = new Redis({ port: kevy.port });
  try {
    const res = await r.multi().set('tx:a', '1').incr('tx:a').get('tx:a').exec();
    expect(res).toEqual([[null, 'OK'], [null, 2], [null, '2']]);
    await r.watch('tx:a');
    await other.set('tx:a', 'changed');
    expect(await r.multi().set('tx:a', 'mine').exec()).toBeNull();
    expect(await r.get('tx:a')).toBe('changed');
    const mixed = await r.multi().set('tx:s', 'x').incr('tx:s').exec();
    expect(mixed![0]).toEqual([null, 'OK']);
    expect(mixed![1][0]).toBeInstanceOf(Error);
    expect(String(mixed![1][0])).toMatch(/not an integer/);
    await expect(r.multi().set('tx:b', '1').call('nosuchcommand').exec()).rejects.toThrow(/EXECABORT/);
    expect(await r.exists('tx:b')).toBe(0);
  } finally {
    r.disconnect();
    other.disconnect();
  }
});

test('ioredis: subscribe / on(message), psubscribe / on(pmessage), unsubscribe', async () => {
  const sub = new Redis({ port: kevy.port });
  const pub = new Redis({ port: kevy.port });
  try {
    const got: string[] = [];
    sub.on('message', (ch: string, msg: string) => got.push(`${ch}:${msg}`));
    sub.on('pmessage', (pat: string, ch: string, msg: string) => got.push(`${pat}|${ch}:${msg}`));
    expect(await sub.subscribe('news', 'sport')).toBe(2);
    expect(await sub.psubscribe('n*')).toBe(3);
    expect(await pub.publish('news', 'hello')).toBe(2);
    expect(await pub.publish('sport', 'goal')).toBe(1);
    expect(await pub.publish('nothing', 'x')).toBe(1);
    await until(() => got.length === 4, 'messages');
    expect(got.sort()).toEqual(['n*|news:hello', 'n*|nothing:x', 'news:hello', 'sport:goal']);
    await sub.unsubscribe('news');
    await sub.punsubscribe('n*');
    expect(await pub.publish('news', 'again')).toBe(0);
    const bin = Buffer.from([0, 255, 10, 13]);
    const bins: Buffer[] = [];
    sub.on('messageBuffer', (_ch: Buffer, msg: Buffer) => bins.push(msg));
    await pub.publish('sport', bin);
    await until(() => bins.length === 1, 'binary message');
    expect(bins[0]).toEqual(bin);
  } finally {
    sub.disconnect();
    pub.disconnect();
  }
});

test('node-redis: multi().exec(), subscribe and pSubscribe listeners, keyspace events (RESP2 and RESP3)', async () => {
  for (const RESP of [2, 3] as const) {
    const client = createClient({ url: `redis://127.0.0.1:${kevy.port}`, RESP });
    await client.connect();
    const sub = client.duplicate();
    await sub.connect();
    try {
      expect(await client.multi().set('nr:a', '1').incrBy('nr:a', 5).get('nr:a').exec()).toEqual(['OK', 6, '6']);
      const got: string[] = [];
      await sub.subscribe('chat', (msg, ch) => got.push(`${ch}:${msg}`));
      await sub.pSubscribe('ch*', (msg, ch) => got.push(`p ${ch}:${msg}`));
      expect(await client.publish('chat', 'hi')).toBe(2);
      await until(() => got.length === 2, 'node-redis messages');
      expect(got.sort()).toEqual(['chat:hi', 'p chat:hi']);
      await sub.unsubscribe('chat');
      await sub.pUnsubscribe('ch*');

      await client.configSet('notify-keyspace-events', 'KEA');
      const events: string[] = [];
      await sub.pSubscribe('__key*__:nr:*', (msg, ch) => events.push(`${ch} ${msg}`));
      await sub.pSubscribe('__keyevent@0__:*', (msg, ch) => events.push(`${ch} ${msg}`));
      await client.set('nr:k', 'v');
      await client.expire('nr:k', 100);
      await client.del('nr:k');
      await until(() => events.length === 6, 'keyspace events');
      expect(events).toEqual([
        '__keyspace@0__:nr:k set', '__keyevent@0__:set nr:k',
        '__keyspace@0__:nr:k expire', '__keyevent@0__:expire nr:k',
        '__keyspace@0__:nr:k del', '__keyevent@0__:del nr:k',
      ]);
      await sub.pUnsubscribe();
    } finally {
      await client.configSet('notify-keyspace-events', '');
      await Promise.all([client.quit(), sub.quit()]);
    }
  }
});
