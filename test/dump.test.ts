import { expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';
import { propagated } from './helpers/servers';
import { crc64Bytes, crc64Init, crc64Update } from '../src/persistence/crc64';

const d = differential();

/** The bulk payload of a raw `$n\r\n...\r\n` reply. */
function bulk(reply: string): string {
  expect(reply.startsWith('$'), reply).toBe(true);
  const eol = reply.indexOf('\r\n');
  return reply.slice(eol + 2, -2);
}

/** A payload with a correct footer: body + version (LE) + CRC64. */
function withFooter(body: string, version = 10): string {
  const b = Buffer.concat([Buffer.from(body, 'latin1'), Buffer.from([version & 0xff, version >> 8])]);
  return Buffer.concat([b, crc64Bytes(crc64Update(crc64Init(), b))]).toString('latin1');
}


const randomBytes = Array.from({ length: 300 }, (_, i) => String.fromCharCode((i * 7919 + 13) % 256)).join('');

test('DUMP of strings is byte-identical (int encodings, LZF, binary)', async () => {
  const values = [
    '', 'hello', '0', '1', '-1', '-0', '01', ' 1', '1 ', '+1', '127', '128', '-128', '-129', '32767', '32768',
    '-32768', '-32769', '2147483647', '2147483648', '-2147483648', '-2147483649', '12345678901',
    '9223372036854775807', '-9223372036854775808', '99999999999999999999', '1.5', '\x00\xff\x00',
    'a'.repeat(20), 'a'.repeat(21), 'abc'.repeat(100), randomBytes, 'x'.repeat(100000),
    'The quick brown fox jumps over the lazy dog. '.repeat(40),
  ];
  const cmds: Cmd[] = [];
  values.forEach((v, i) => cmds.push(['SET', `k${i}`, v], ['DUMP', `k${i}`]));
  await d.run(cmds);
  await d.run([['SET', 'k\x00\xff', '42'], ['DUMP', 'k\x00\xff'], ['DUMP', 'nosuch'], ['DUMP'], ['DUMP', 'a', 'b']]);
  await d.run([['SET', 's', 'abc'.repeat(10)], ['DUMP', 's'], ['DUMP', 'nosuch']], { resp: 3 });
});

/**
 * Redis's LZF output depends on the previous compressions (its hash table
 * is stale stack memory, see src/persistence/lzf.ts), and kevy mirrors
 * that. So the byte-for-byte string tests come first in this file: both
 * servers have then compressed the same strings in the same order.
 */
test('DUMP of many compressible strings is byte-identical (LZF as Redis runs it)', async () => {
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const cmds: Cmd[] = [];
  for (let t = 0; t < 150; t++) {
    const alpha = 1 + Math.floor(rnd() * 6);
    const len = 21 + Math.floor(rnd() * (rnd() < 0.2 ? 20000 : 600));
    let s = '';
    while (s.length < len) {
      if (rnd() < 0.3 && s.length > 10) {
        const a = Math.floor(rnd() * s.length);
        s += s.slice(a, a + Math.floor(rnd() * 40));
      } else {
        s += String.fromCharCode(97 + Math.floor(rnd() * alpha));
      }
    }
    cmds.push(['SET', `r${t}`, s.slice(0, len)], ['DUMP', `r${t}`]);
  }
  await d.run(cmds);
});

test('DUMP of a string stored by INCR, APPEND and SETRANGE', async () => {
  await d.run([
    ['INCR', 'n'], ['DUMP', 'n'], ['INCRBY', 'n', '100000'], ['DUMP', 'n'],
    ['APPEND', 'a', '12'], ['APPEND', 'a', '34'], ['DUMP', 'a'],
    ['SETRANGE', 'r', '30', 'x'], ['DUMP', 'r'],
  ]);
});

/** Commands that build each kind of value, small and big (every encoding shows up). */
function builders(): { name: string; build: Cmd[]; read: (k: string) => Cmd[]; unordered?: boolean }[] {
  const many = (n: number, f: (i: number) => string[]) => Array.from({ length: n }, (_, i) => f(i)).flat();
  return [
    { name: 'list small', build: [['RPUSH', 'src', 'a', '1', '-7', '\x00\xff', '', 'x'.repeat(100)]], read: (k) => [['LRANGE', k, '0', '-1']] },
    { name: 'list big', build: [['RPUSH', 'src', ...many(1000, (i) => [i % 3 ? `item${i}` : String(i * 1000)])]], read: (k) => [['LRANGE', k, '0', '-1'], ['LLEN', k]] },
    { name: 'list of big items', build: [['RPUSH', 'src', 'y'.repeat(10000), 'z'.repeat(70000), 'w']], read: (k) => [['LRANGE', k, '0', '-1']] },
    { name: 'hash small', build: [['HSET', 'src', 'f', 'v', 'n', '12', 'neg', '-5', '\x00', '\xff', 'e', '']], read: (k) => [['HGETALL', k], ['OBJECT', 'ENCODING', k]] },
    { name: 'hash big', build: [['HSET', 'src', ...many(700, (i) => [`f${i}`, i % 2 ? `v${i}` : String(i)])]], read: (k) => [['HLEN', k], ['HGET', k, 'f1'], ['HGET', k, 'f698'], ['OBJECT', 'ENCODING', k]], unordered: true },
    { name: 'hash long value', build: [['HSET', 'src', 'a', 'b', 'long', 'v'.repeat(65)]], read: (k) => [['HGET', k, 'long'], ['HLEN', k], ['OBJECT', 'ENCODING', k]] },
    { name: 'set intset', build: [['SADD', 'src', '1', '-3', '100000', '9223372036854775807', '-9223372036854775808', '0']], read: (k) => [['SMEMBERS', k], ['OBJECT', 'ENCODING', k]] },
    { name: 'set small strings', build: [['SADD', 'src', 'a', 'b', '1', '\x00\xff']], read: (k) => [['SCARD', k], ['SISMEMBER', k, '\x00\xff'], ['OBJECT', 'ENCODING', k]], unordered: true },
    { name: 'set big intset', build: [['SADD', 'src', ...many(600, (i) => [String(i * 7 - 2000)])]], read: (k) => [['SCARD', k], ['OBJECT', 'ENCODING', k]], unordered: true },
    { name: 'set big', build: [['SADD', 'src', ...many(600, (i) => [`m${i}`])]], read: (k) => [['SCARD', k], ['SISMEMBER', k, 'm599'], ['OBJECT', 'ENCODING', k]], unordered: true },
    { name: 'zset small', build: [['ZADD', 'src', '1.5', 'a', '-inf', 'b', '+inf', 'c', '0', '\x00\xff', '3', '10', '-0.1', 'neg', '1e300', 'big']], read: (k) => [['ZRANGE', k, '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', k]] },
    { name: 'zset big', build: [['ZADD', 'src', ...many(300, (i) => [String(i / 7), `m${i}`])]], read: (k) => [['ZRANGE', k, '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', k]] },
    { name: 'zset long member', build: [['ZADD', 'src', '1', 'a', '2', 'm'.repeat(65)]], read: (k) => [['ZRANGE', k, '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', k]] },
  ];
}

/** The sorted members/fields of an unordered reply, for comparing big hashes and sets. */
async function sortedContents(k: string): Promise<[string, string]> {
  const [r, kv] = await Promise.all([d.both(['TYPE', k]), Promise.resolve(null)]);
  void kv;
  const type = r[0].slice(1, -2);
  const cmd: Cmd = type === 'hash' ? ['HGETALL', k] : ['SMEMBERS', k];
  const [a, b] = await d.both(cmd);
  const norm = (s: string, pairs: boolean) => {
    const items = s.split('\r\n').slice(1, -1).filter((_, i) => i % 2 === 1);
    if (!pairs) return items.sort().join(',');
    const out: string[] = [];
    for (let i = 0; i < items.length; i += 2) out.push(items[i] + '=' + items[i + 1]);
    return out.sort().join(',');
  };
  return [norm(a, type === 'hash'), norm(b, type === 'hash')];
}

test('every type and encoding: a DUMP of either server RESTOREs into the other', async () => {
  for (const b of builders()) {
    await d.run(b.build);
    await d.run([['DEL', 'fromredis', 'fromkevy']]);
    const [rd, kd] = await d.both(['DUMP', 'src']);
    const redisPayload = bulk(rd);
    const kevyPayload = bulk(kd);
    // Each side restores both payloads: Redis's own and kevy's.
    await d.run([
      ['RESTORE', 'fromredis', '0', redisPayload],
      ['RESTORE', 'fromkevy', '0', kevyPayload],
      ['TYPE', 'fromredis'],
      ['TYPE', 'fromkevy'],
    ]);
    for (const k of ['src', 'fromredis', 'fromkevy']) await d.run(b.read(k));
    if (b.unordered) {
      const [want] = await sortedContents('src');
      for (const k of ['fromredis', 'fromkevy']) {
        const [a, c] = await sortedContents(k);
        expect(a, `${b.name} ${k} on redis`).toBe(want);
        expect(c, `${b.name} ${k} on kevy`).toBe(want);
      }
    }
    await d.run([['FLUSHALL']]);
  }
});

test('RESTORE options: REPLACE, ABSTTL, IDLETIME, FREQ and their errors', async () => {
  await d.run([['SET', 'a', 'hello']]);
  const p = bulk((await d.both(['DUMP', 'a']))[0]);
  await d.run([
    ['RESTORE', 'a', '0', p],
    ['RESTORE', 'a', '0', p, 'REPLACE'],
    ['RESTORE', 'b', '0', p, 'replace', 'absttl'],
    ['GET', 'b'],
    ['RESTORE', 'c', '0', p, 'IDLETIME', '1000'],
    ['RESTORE', 'd', '0', p, 'FREQ', '100'],
    ['RESTORE', 'e', '0', p, 'IDLETIME', '1', 'FREQ', '1'],
    ['RESTORE', 'e', '0', p, 'FREQ', '1', 'IDLETIME', '1'],
    ['RESTORE', 'e', '0', p, 'FREQ', '256'],
    ['RESTORE', 'e', '0', p, 'FREQ', '-1'],
    ['RESTORE', 'e', '0', p, 'FREQ', 'x'],
    ['RESTORE', 'e', '0', p, 'IDLETIME', '-1'],
    ['RESTORE', 'e', '0', p, 'IDLETIME', '1.5'],
    ['RESTORE', 'e', '0', p, 'IDLETIME'],
    ['RESTORE', 'e', '0', p, 'FREQ'],
    ['RESTORE', 'e', '0', p, 'NOSUCH'],
    ['RESTORE', 'a', '0', p, 'FREQ', '300'], // options are checked before BUSYKEY
    ['RESTORE', 'a', 'abc', 'junk'], // BUSYKEY before the TTL and the payload
    ['RESTORE', 'e', 'abc', 'junk'],
    ['RESTORE', 'e', '-1', 'junk'],
    ['RESTORE', 'e', '99999999999999999999', p],
    ['RESTORE', 'e', '0', 'junk'],
    ['RESTORE', 'e', '0'],
    ['RESTORE', 'e'],
    ['EXISTS', 'e'],
  ]);
  await d.run([['RESTORE', 'a', '0', p], ['RESTORE', 'r3', '0', p], ['GET', 'r3']], { resp: 3 });
});

test('RESTORE with a TTL: relative, absolute, already expired', async () => {
  await d.run([['SET', 'a', 'v']]);
  const p = bulk((await d.both(['DUMP', 'a']))[0]);
  const [r1, k1] = await d.both(['RESTORE', 't', '100000', p]);
  expect(k1).toBe(r1);
  const [r2, k2] = await d.both(['PTTL', 't']);
  for (const r of [r2, k2]) {
    const ms = Number(r.slice(1, -2));
    expect(ms).toBeGreaterThan(90000);
    expect(ms).toBeLessThanOrEqual(100000);
  }
  const future = String(Date.now() + 50000);
  await d.run([['RESTORE', 'abs', future, p, 'ABSTTL'], ['PEXPIRETIME', 'abs']]);
  await d.run([
    ['RESTORE', 'past', '1', p, 'ABSTTL'], // expired at once: OK, nothing created
    ['EXISTS', 'past'],
    ['SET', 'old', 'x'],
    ['RESTORE', 'old', '1', p, 'ABSTTL', 'REPLACE'], // the replaced key is deleted
    ['EXISTS', 'old'],
    ['SET', 'ttl', 'x', 'EX', '100'],
    ['RESTORE', 'ttl', '0', p, 'REPLACE'], // the new key has no TTL
    ['TTL', 'ttl'],
    ['RESTORE', 'huge', '9223372036854775807', p], // now + ttl wraps: already expired
    ['EXISTS', 'huge'],
  ]);
});

test('RESTORE rejects bad payloads as Redis does', async () => {
  await d.run([['SADD', 's', 'a']]);
  await d.run([
    ['RESTORE', 'x', '0', ''],
    ['RESTORE', 'x', '0', '123456789'],
    ['RESTORE', 'x', '0', withFooter('\x00\x05hello', 11)], // newer RDB version
    ['RESTORE', 'x', '0', withFooter('\x00\x05hello', 9)], // older is fine
    ['GET', 'x'],
    ['RESTORE', 'x1', '0', withFooter('\x00\x05hel')], // short: reads into the footer
    ['RESTORE', 'x2', '0', withFooter('\x00\x40')], // short: the length runs past the end
    ['RESTORE', 'x3', '0', withFooter('\x02\x00')], // an empty set
    ['RESTORE', 'x4', '0', withFooter('\x08\x00')], // no such type
    ['RESTORE', 'x5', '0', withFooter('\x02\x02\x01a\x01a')], // duplicate set members
    ['RESTORE', 'x6', '0', withFooter('\x00\xc3\x05\x0a\x01ab')], // corrupt LZF
    ['RESTORE', 'x7', '0', withFooter('\x00\xc0\x7b')], // int8 string
    ['GET', 'x7'],
    ['RESTORE', 'x8', '0', '\x00'.repeat(10)], // a zero CRC of nothing: an empty string
    ['GET', 'x8'],
    ['RESTORE', 'x9', '0', withFooter('\x00\x05hello').slice(0, -1) + 'X'], // wrong checksum
    ['EXISTS', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x9'],
  ]);
});

test('RESTORE of old and packed encodings written by hand (zipmap, ziplist, intset)', async () => {
  // A zipmap hash {a: 1, bc: xyz}: zmlen, (len key len free value)..., end.
  const zipmap = '\x02' + '\x01a\x01\x001' + '\x02bc\x03\x00xyz' + '\xff';
  // A ziplist list [hi, 5, -300]: header, entries (prevlen, encoding, data), end.
  const entries = ['\x00\x02hi', '\x04\xf6', '\x02\xc0\xd4\xfe'];
  const body = entries.join('');
  const zl = (b: string, n: number) => {
    const total = 10 + b.length + 1;
    const h = Buffer.alloc(10);
    h.writeUInt32LE(total, 0);
    h.writeUInt32LE(total - 1 - 4, 4);
    h.writeUInt16LE(n, 8);
    return h.toString('latin1') + b + '\xff';
  };
  const ziplist = zl(body, 3);
  const intset = Buffer.from([2, 0, 0, 0, 3, 0, 0, 0, 0xfd, 0xff, 7, 0, 0xe8, 0x03]).toString('latin1');
  const str = (s: string) => String.fromCharCode(s.length) + s;
  await d.run([
    ['RESTORE', 'zm', '0', withFooter('\x09' + str(zipmap), 3)],
    ['HGETALL', 'zm'],
    ['RESTORE', 'zl', '0', withFooter('\x0a' + str(ziplist), 6)],
    ['LRANGE', 'zl', '0', '-1'],
    ['RESTORE', 'ql', '0', withFooter('\x0e\x01' + str(ziplist), 7)],
    ['LRANGE', 'ql', '0', '-1'],
    ['RESTORE', 'is', '0', withFooter('\x0b' + str(intset), 6)],
    ['SMEMBERS', 'is'],
    ['OBJECT', 'ENCODING', 'is'],
    ['RESTORE', 'z1', '0', withFooter('\x03\x02\x01a\x031.5\x01b\xfe', 6)], // zset v1: text scores, 254 = +inf
    ['ZRANGE', 'z1', '0', '-1', 'WITHSCORES'],
  ]);
});

test('RESTORE propagates the absolute TTL, DUMP is read-only (kevy)', async () => {
  const k = (await d.clients(2))[1];
  await k.send(['SET', 'a', 'v']);
  const p = bulk(await k.send(['DUMP', 'a']));
  const before = Date.now();
  const log = await propagated(d.kevy.server, async () => {
    await k.send(['DUMP', 'a']);
    await k.send(['RESTORE', 'b', '0', p]);
    await k.send(['RESTORE', 'c', '5000', p]);
    await k.send(['RESTORE', 'd', '7000000000000', p, 'ABSTTL']);
    await k.send(['RESTORE', 'e', '1', p, 'ABSTTL']); // expired, nothing replaced: not propagated
    await k.send(['RESTORE', 'a', '1', p, 'ABSTTL', 'REPLACE']); // expired, replaced: DEL
    await k.send(['RESTORE', 'b', '0', p]); // BUSYKEY: not propagated
  });
  expect(log.length).toBe(4);
  expect(log[0]).toEqual(['RESTORE', 'b', '0', p]);
  expect(log[1][0]).toBe('RESTORE');
  expect(log[1][3]).toBe(p);
  expect(log[1][4]).toBe('ABSTTL');
  const when = Number(log[1][2]);
  expect(when).toBeGreaterThanOrEqual(before + 5000);
  expect(when).toBeLessThan(Date.now() + 5001);
  expect(log[2]).toEqual(['RESTORE', 'd', '7000000000000', p, 'ABSTTL']);
  expect(log[3]).toEqual(['DEL', 'a']);
});
