/**
 * Differential tests on collections big enough to cross the internal
 * boundaries of kevy's structures (list chunks of 128 elements, B+-tree
 * leaves of 64 and branches of 32, the open-addressing tables' resizes):
 * seeded random operations on one list, zset, hash and set of thousands of
 * elements, with every reply compared with redis-server byte for byte
 * (replies whose order Redis leaves unspecified are compared as sets).
 */
import { expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';
import { decode } from './helpers/resp';

const d = differential();

/** A small seeded generator (mulberry32): the same sequence on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('a list of thousands: pushes, pops, LINSERT, LREM, LSET, LTRIM, LPOS, LRANGE, LINDEX', async () => {
  const r = rng(1);
  const n = () => Math.floor(r() * 3000);
  const el = () => 'e' + Math.floor(r() * 50) + (r() < 0.1 ? 'x'.repeat(300) : '');
  const setup: Cmd[] = [];
  for (let i = 0; i < 40; i++) setup.push(['RPUSH', 'l', ...Array.from({ length: 100 }, el)]);
  await d.run(setup);
  const cmds: Cmd[] = [];
  for (let i = 0; i < 400; i++) {
    const k = r();
    if (k < 0.15) cmds.push([r() < 0.5 ? 'LPUSH' : 'RPUSH', 'l', el(), el()]);
    else if (k < 0.25) cmds.push([r() < 0.5 ? 'LPOP' : 'RPOP', 'l', String(1 + Math.floor(r() * 5))]);
    else if (k < 0.35) cmds.push(['LINSERT', 'l', r() < 0.5 ? 'BEFORE' : 'AFTER', el(), el()]);
    else if (k < 0.42) cmds.push(['LREM', 'l', String(Math.floor(r() * 7) - 3), el()]);
    else if (k < 0.52) cmds.push(['LSET', 'l', String(n() - 1500), el()]);
    else if (k < 0.62) cmds.push(['LINDEX', 'l', String(n() - 1500)]);
    else if (k < 0.72) cmds.push(['LPOS', 'l', el(), 'RANK', String(r() < 0.5 ? -1 : 2), 'COUNT', '3']);
    else if (k < 0.95) cmds.push(['LRANGE', 'l', String(n() - 1500), String(n())]);
    else if (k < 0.97) cmds.push(['LTRIM', 'l', String(Math.floor(r() * 50)), String(-1 - Math.floor(r() * 50))]);
    else cmds.push(['LLEN', 'l']);
  }
  await d.run(cmds);
  await d.run([['LRANGE', 'l', '0', '-1'], ['LLEN', 'l']]);
});

test('a zset of thousands: ZADD updates, ZREM, ranks and every range form, RESP2 and RESP3', async () => {
  const r = rng(2);
  const m = () => 'm' + Math.floor(r() * 6000);
  const score = () => (r() < 0.3 ? String(Math.floor(r() * 100)) : (r() * 2000 - 1000).toFixed(Math.floor(r() * 4)));
  const setup: Cmd[] = [];
  for (let i = 0; i < 50; i++) {
    const args: string[] = [];
    for (let j = 0; j < 100; j++) args.push(score(), m());
    setup.push(['ZADD', 'z', ...args]);
  }
  await d.run(setup);
  const cmds: Cmd[] = [];
  for (let i = 0; i < 400; i++) {
    const k = r();
    const a = String(Math.floor(r() * 5000) - 2500);
    const b = String(Math.floor(r() * 5000) - 2500);
    if (k < 0.2) cmds.push(['ZADD', 'z', score(), m(), score(), m()]);
    else if (k < 0.3) cmds.push(['ZREM', 'z', m(), m(), m()]);
    else if (k < 0.4) cmds.push([r() < 0.5 ? 'ZRANK' : 'ZREVRANK', 'z', m()]);
    else if (k < 0.5) cmds.push(['ZRANGE', 'z', a, b, 'WITHSCORES']);
    else if (k < 0.6) cmds.push(['ZRANGE', 'z', String(r() * 1000 - 500), '+inf', 'BYSCORE', 'LIMIT', String(Math.floor(r() * 100)), '20']);
    else if (k < 0.7) cmds.push(['ZREVRANGEBYSCORE', 'z', String(r() * 1000), '(' + String(r() * 1000 - 1000), 'WITHSCORES', 'LIMIT', '0', '15']);
    else if (k < 0.8) cmds.push(['ZCOUNT', 'z', String(r() * 1000 - 500), String(r() * 1000)]);
    else if (k < 0.85) cmds.push(['ZINCRBY', 'z', score(), m()]);
    else if (k < 0.9) cmds.push(['ZREMRANGEBYRANK', 'z', String(Math.floor(r() * 3000)), String(Math.floor(r() * 3000) + 3)]);
    else if (k < 0.95) cmds.push(['ZPOPMIN', 'z', '2']);
    else cmds.push(['ZSCORE', 'z', m()]);
  }
  await d.run(cmds);
  await d.run([['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZCARD', 'z']], { resp: 3 });
});

test('a hash and a set of thousands: updates, deletes, and full HSCAN/SSCAN iterations', async () => {
  const r = rng(3);
  const f = () => 'f' + Math.floor(r() * 8000);
  const setup: Cmd[] = [];
  for (let i = 0; i < 60; i++) {
    const hargs: string[] = [];
    const sargs: string[] = [];
    for (let j = 0; j < 100; j++) {
      hargs.push(f(), 'v' + Math.floor(r() * 1e6));
      sargs.push(f());
    }
    setup.push(['HSET', 'h', ...hargs], ['SADD', 's', ...sargs]);
  }
  await d.run(setup);
  const cmds: Cmd[] = [];
  for (let i = 0; i < 600; i++) {
    const k = r();
    if (k < 0.25) cmds.push(['HSET', 'h', f(), 'w' + i, f(), '']);
    else if (k < 0.4) cmds.push(['HDEL', 'h', f(), f(), f()]);
    else if (k < 0.55) cmds.push(['HGET', 'h', f()]);
    else if (k < 0.65) cmds.push(['HINCRBY', 'h', 'n' + Math.floor(r() * 20), '3']);
    else if (k < 0.8) cmds.push(['SADD', 's', f(), f()]);
    else if (k < 0.9) cmds.push(['SREM', 's', f(), f(), f()]);
    else cmds.push(['SISMEMBER', 's', f()]);
  }
  await d.run(cmds);
  await d.run([['HLEN', 'h'], ['SCARD', 's']]);
  // Full iterations: the same elements on both sides (order is unspecified).
  for (const [cmd, key] of [['HSCAN', 'h'], ['SSCAN', 's']] as const) {
    const seen: Set<string>[] = [new Set(), new Set()];
    for (const side of [0, 1]) {
      let cursor = '0';
      do {
        const [redisReply, kevyReply] = await d.both([cmd, key, cursor, 'COUNT', '100']);
        const [next, items] = decode(side === 0 ? redisReply : kevyReply) as [string, string[]];
        if (cmd === 'HSCAN') for (let i = 0; i < items.length; i += 2) seen[side].add(items[i] + '=' + items[i + 1]);
        else for (const it of items) seen[side].add(it);
        cursor = next;
      } while (cursor !== '0');
    }
    expect(seen[0].size).toBeGreaterThan(2000); // beyond every small encoding
    expect(seen[1]).toEqual(seen[0]);
  }
});
