/**
 * client-output-buffer-limit against a real Redis 7.0: the directive's
 * syntax, errors and canonical form; a subscriber that stops reading is
 * disconnected once its pending output passes the hard limit (or stays over
 * the soft limit), while a subscriber that reads gets every message; kevy's
 * memory does not keep the dropped client's output.
 */
import net from 'node:net';
import { expect, test } from 'vitest';
import { differential } from './helpers/diff';
import { encode, RawClient } from './helpers/resp';

const d = differential();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEFAULT = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';

test('CONFIG SET / GET client-output-buffer-limit: syntax, units, partial updates, errors', async () => {
  const values = [
    'normal', 'foo 1 2 3', 'normal 1 2 x', 'normal 1mb 2k 3', 'replica 1 2 3 pubsub 1 1 1', 'slave 1 2 -3', 'master 1 2 3',
    'normal 1 2 3 normal 4 5 6', 'NORMAL 1kb 2 3', '', 'normal -1 2 3', 'pubsub 1gb 2GB 0', 'normal 1 2', 'normal 1 2 3 pubsub',
    'normal 1 2 +3', 'normal 1.5 2 3', 'replica 0 0 0', DEFAULT,
  ];
  for (const v of values) {
    await d.run([
      ['CONFIG', 'SET', 'client-output-buffer-limit', v],
      ['CONFIG', 'GET', 'client-output-buffer-limit'],
    ]);
  }
  await d.run([['CONFIG', 'GET', 'client-output-buffer-limit']], { resp: 3 });
});

/** A subscriber whose socket stops reading after the SUBSCRIBE confirmation. */
async function stalledSubscriber(port: number, channel: string): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => {});
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write(encode(['SUBSCRIBE', channel]));
  await new Promise<void>((r) => s.once('data', () => r()));
  s.pause();
  return s;
}

async function numsub(c: RawClient, channel: string): Promise<string> {
  return c.send(['PUBSUB', 'NUMSUB', channel]);
}

test('a subscriber that stops reading is dropped at the hard limit; the others receive everything', async () => {
  const payload = 'x'.repeat(64 * 1024);
  const count = 240; // 15 MB: more than the kernel's socket buffers hold on loopback
  for (const [port, name] of [[d.redisPort, 'redis'], [d.kevyPort, 'kevy']] as const) {
    const admin = await RawClient.connect(port);
    try {
      expect(await admin.send(['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 0 0']), name).toBe('+OK\r\n');
      const slow = await stalledSubscriber(port, 'big');
      const good = await RawClient.connect(port);
      await good.send(['SUBSCRIBE', 'big']);
      expect(await numsub(admin, 'big'), name).toBe('*2\r\n$3\r\nbig\r\n:2\r\n');
      let received = 0;
      const pub = await RawClient.connect(port);
      for (let i = 0; i < count; i += 20) {
        const batch = Buffer.concat(Array.from({ length: 20 }, () => encode(['PUBLISH', 'big', payload])));
        await pub.sendMany(batch, 20);
        while (good.unsolicited.length > 0 || received < i + 20) {
          const m = await good.next(5000);
          expect(m.length).toBeGreaterThan(payload.length);
          received++;
        }
      }
      expect(received).toBe(count);
      expect(await numsub(admin, 'big'), name).toBe('*2\r\n$3\r\nbig\r\n:1\r\n');
      slow.destroy();
      good.close();
      pub.close();
      if (name === 'kevy') {
        let pending = 0;
        for (const c of d.kevy.server.clients.values()) pending += c.out.length + (c.socket?.writableLength ?? 0);
        expect(pending).toBeLessThan(1024 * 1024);
      }
    } finally {
      await admin.send(['CONFIG', 'SET', 'client-output-buffer-limit', DEFAULT]);
      admin.close();
    }
  }
}, 60000);

test('the soft limit drops a subscriber that stays over it for soft-seconds', async () => {
  const payload = 'y'.repeat(64 * 1024);
  for (const [port, name] of [[d.redisPort, 'redis'], [d.kevyPort, 'kevy']] as const) {
    const admin = await RawClient.connect(port);
    try {
      await admin.send(['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 512kb 1']);
      const slow = await stalledSubscriber(port, 'soft');
      const pub = await RawClient.connect(port);
      const flood = async () => {
        const batch = Buffer.concat(Array.from({ length: 120 }, () => encode(['PUBLISH', 'soft', payload])));
        await pub.sendMany(batch, 120);
      };
      await flood();
      expect(await numsub(admin, 'soft'), name).toBe('*2\r\n$4\r\nsoft\r\n:1\r\n'); // over, but not for long
      await sleep(2200);
      await pub.send(['PUBLISH', 'soft', payload]);
      await sleep(50);
      expect(await numsub(admin, 'soft'), name).toBe('*2\r\n$4\r\nsoft\r\n:0\r\n');
      slow.destroy();
      pub.close();
    } finally {
      await admin.send(['CONFIG', 'SET', 'client-output-buffer-limit', DEFAULT]);
      admin.close();
    }
  }
}, 30000);

test('normal clients: a hard limit on replies closes a client that does not read them', async () => {
  for (const [port, name] of [[d.redisPort, 'redis'], [d.kevyPort, 'kevy']] as const) {
    const admin = await RawClient.connect(port);
    try {
      await admin.send(['SET', 'big', 'z'.repeat(1024 * 1024)]);
      await admin.send(['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 2mb 0 0']);
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      await new Promise<void>((r) => s.once('connect', () => r()));
      s.write(encode(['CLIENT', 'SETNAME', 'stalled']));
      await new Promise<void>((r) => s.once('data', () => r()));
      s.pause();
      const gets = Buffer.concat(Array.from({ length: 30 }, () => encode(['GET', 'big'])));
      s.write(gets);
      await sleep(500);
      const list = await admin.send(['CLIENT', 'LIST']);
      expect(list.includes('name=stalled'), name).toBe(false);
      s.destroy();
    } finally {
      await admin.send(['CONFIG', 'SET', 'client-output-buffer-limit', DEFAULT]);
      await admin.send(['DEL', 'big']);
      admin.close();
    }
  }
}, 30000);
