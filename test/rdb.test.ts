import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';
import { RawClient, decode } from './helpers/resp';
import { startRedis, type RedisProcess } from './helpers/servers';
import { RdbEncoder } from '../src/persistence/rdb-encode';
import { decodeRdb, RdbError } from '../src/persistence/rdb-decode';
import { checkRdb } from '../src/persistence/check-rdb';
import { crc64Bytes, crc64Init, crc64Update } from '../src/persistence/crc64';
import type { Value } from '../src/store/types';
import type { HashValue } from '../src/store/hash';
import type { ListValue } from '../src/store/list';
import type { SetValue } from '../src/store/set';
import type { ZSetValue } from '../src/store/zset';
import { formatDouble } from '../src/util/numbers';

const d = differential();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-rdb-'));
const started = new Set<RedisProcess>();
afterAll(async () => {
  await Promise.all([...started].map((r) => r.stop()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A redis-server loading `file` from `dir`; stopped by stop() or after the file's tests. */
async function redisLoading(dir: string, file: string): Promise<RedisProcess & { done(): Promise<void> }> {
  const redis = await startRedis(['--dir', dir, '--dbfilename', file]);
  started.add(redis);
  return Object.assign(redis, {
    done: async () => {
      started.delete(redis);
      await redis.stop();
    },
  });
}

// ---- helpers ----------------------------------------------------------------

const parse = decode;

/** A value in a comparable form: collections flattened, unordered ones sorted. */
function canonical(v: Value): unknown {
  if (typeof v === 'string') return v;
  switch (v.type) {
    case 'list':
      return (v as ListValue).toArray();
    case 'set':
      return [...(v as SetValue).members()].sort();
    case 'hash': {
      const h = v as HashValue;
      return Array.from({ length: h.size }, (_, i) => [h.fieldAt(i), h.valueAt(i)]).sort();
    }
    case 'zset': {
      const out: string[] = [];
      (v as ZSetValue).forEach((m, s) => out.push(m, formatDouble(s)));
      return out;
    }
  }
}

/** The same canonical form, read from a live server with ordinary commands. */
async function canonicalFrom(c: RawClient, key: string): Promise<unknown> {
  const type = parse(await c.send(['TYPE', key]));
  switch (type) {
    case 'string':
      return parse(await c.send(['GET', key]));
    case 'list':
      return parse(await c.send(['LRANGE', key, '0', '-1']));
    case 'set':
      return (parse(await c.send(['SMEMBERS', key])) as string[]).sort();
    case 'hash': {
      const flat = parse(await c.send(['HGETALL', key])) as string[];
      const pairs: string[][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
      return pairs.sort();
    }
    case 'zset':
      return parse(await c.send(['ZRANGE', key, '0', '-1', 'WITHSCORES']));
  }
  return `<${String(type)}>`;
}

/** Commands that build every kind of value, in small and big versions (every encoding). */
function dataset(): { db: number; cmds: Cmd[] }[] {
  const many = (n: number, f: (i: number) => string[]) => Array.from({ length: n }, (_, i) => f(i)).flat();
  return [
    {
      db: 0,
      cmds: [
        ['SET', 'str', 'hello'],
        ['SET', 'int8', '100'],
        ['SET', 'int16', '-30000'],
        ['SET', 'int32', '2000000000'],
        ['SET', 'int64', '9223372036854775807'],
        ['SET', 'notint', '007'],
        ['SET', 'empty', ''],
        ['SET', 'long', 'abc'.repeat(1000)],
        ['SET', 'k\x00\xff\r\n', 'v\x00\xff\r\n'],
        ['SET', 'ttl', 'x', 'PX', '500000'],
        ['RPUSH', 'list', 'a', '1', '-5', '', '\x00\xff', 'z'.repeat(200)],
        ['RPUSH', 'biglist', ...many(2000, (i) => [i % 2 ? `e${i}` : String(i)])],
        ['RPUSH', 'hugeitems', 'q'.repeat(20000), 'r'.repeat(70000), 's'],
        ['HSET', 'hash', 'f', 'v', 'n', '1', '\x00', '\xff', 'e', ''],
        ['HSET', 'bighash', ...many(800, (i) => [`f${i}`, `v${i}`])],
        ['HSET', 'longhash', 'a', 'b', 'l', 'v'.repeat(100)],
        ['SADD', 'intset', '1', '-2', '300', '70000', '-9223372036854775808', '9223372036854775807'],
        ['SADD', 'set', 'a', 'b', '1'],
        ['SADD', 'bigintset', ...many(600, (i) => [String(i * 3)])],
        ['SADD', 'bigset', ...many(600, (i) => [`m${i}`])],
        ['ZADD', 'zset', '1', 'a', '-inf', 'b', 'inf', 'c', '0.1', 'd', '-0', 'e', '1e-300', '\x00\xff'],
        ['ZADD', 'bigzset', ...many(400, (i) => [String(i * 1.25), `m${i}`])],
        ['ZADD', 'longzset', '1', 'm'.repeat(100)],
        ['EXPIRE', 'bigzset', '1000'],
      ],
    },
    { db: 1, cmds: [['SET', 'one', '1'], ['HSET', 'h1', 'a', 'b']] },
    { db: 9, cmds: [['RPUSH', 'l9', 'x'], ['SET', 'exp9', 'y', 'EX', '99999']] },
  ];
}

async function populate(c: RawClient): Promise<void> {
  for (const { db, cmds } of dataset()) {
    await c.send(['SELECT', String(db)]);
    for (const cmd of cmds) {
      const r = await c.send(cmd);
      expect(r.startsWith('-'), `${cmd.join(' ')}: ${r}`).toBe(false);
    }
  }
  await c.send(['SELECT', '0']);
}

/** Writes kevy's databases with RdbEncoder, as a snapshot would. */
function encodeKevy(opts: { compress: boolean; checksum: boolean }): Buffer {
  const enc = new RdbEncoder(opts);
  enc.header({ 'redis-ver': '7.0.15', 'redis-bits': 64, ctime: Math.floor(Date.now() / 1000), 'used-mem': 1000000, 'aof-base': 0 });
  const parts: Buffer[] = [];
  for (const db of d.kevy.server.dbs) {
    if (db.size === 0) continue;
    enc.selectDb(db.id, db.size, db.expires.size);
    for (let i = 0; i < db.data.size; i++) {
      const key = db.data.keyAt(i);
      enc.key(key, db.data.valAt(i), db.getExpire(key));
      parts.push(...enc.take()); // streamed in slices
    }
  }
  enc.footer();
  parts.push(...enc.take());
  return Buffer.concat(parts);
}

function redisCheck(file: string): string {
  const r = spawnSync('redis-check-rdb', [file], { encoding: 'utf8' });
  return r.stdout + r.stderr;
}

/** Every key of every kevy database, canonical, with whether it has a TTL. */
function kevyContents(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const db of d.kevy.server.dbs) {
    for (let i = 0; i < db.data.size; i++) {
      const key = db.data.keyAt(i);
      out.set(`${db.id}/${key}`, [canonical(db.data.valAt(i)), db.getExpire(key) >= 0]);
    }
  }
  return out;
}

// ---- kevy writes, Redis reads ---------------------------------------------------

test('an RDB written by kevy passes redis-check-rdb and loads into redis-server with the same data', async () => {
  const [, k] = await d.clients(2);
  await populate(k);
  const want = kevyContents();
  for (const opts of [
    { compress: true, checksum: true },
    { compress: false, checksum: false },
  ]) {
    const dir = fs.mkdtempSync(path.join(tmp, 'w-'));
    const file = path.join(dir, 'dump.rdb');
    fs.writeFileSync(file, encodeKevy(opts));
    const report = redisCheck(file);
    expect(report).toContain('\\o/ RDB looks OK! \\o/');
    expect(report).toContain(`[info] ${want.size} keys read`);
    // kevy-check-rdb says the same, line for line.
    const lines: string[] = [];
    expect(checkRdb(file, (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n') + '\n').toBe(report);

    const redis = await redisLoading(dir, 'dump.rdb');
    const r = await RawClient.connect(redis.port);
    let total = 0;
    for (const db of [0, 1, 9]) {
      await r.send(['SELECT', String(db)]);
      const keys = parse(await r.send(['KEYS', '*'])) as string[];
      total += keys.length;
      for (const key of keys) {
        const [value, hasTtl] = want.get(`${db}/${key}`) as [unknown, boolean];
        expect(await canonicalFrom(r, key), `db ${db} key ${key}`).toEqual(value);
        const pttl = parse(await r.send(['PTTL', key])) as number;
        if (hasTtl) expect(pttl).toBeGreaterThan(0);
        else expect(pttl).toBe(-1);
      }
    }
    expect(total).toBe(want.size);
    await r.send(['SELECT', '0']);
    expect(parse(await r.send(['PTTL', 'ttl'])) as number).toBeGreaterThan(400000);
    expect(parse(await r.send(['OBJECT', 'ENCODING', 'bighash']))).toBe('hashtable');
    expect(parse(await r.send(['OBJECT', 'ENCODING', 'intset']))).toBe('intset');
    expect(parse(await r.send(['OBJECT', 'ENCODING', 'zset']))).toBe('listpack');
    r.close();
    await redis.done();
  }
});

test('the encoder skips empty collections and keys expired at `now`, and streams in slices', async () => {
  const [, k] = await d.clients(2);
  await populate(k);
  const db = d.kevy.server.dbs[0];
  const now = Date.now(); // one clock reading: 'gone' expires before it even if the test is slow
  const enc = new RdbEncoder({ compress: true, checksum: true, now });
  enc.header({ 'redis-ver': '7.0.15' });
  enc.selectDb(0, 3, 1);
  const empty = (db.get('list') as ListValue).clone();
  empty.clear();
  expect(enc.key('empty', empty, -1)).toBe(false);
  expect(enc.key('gone', 'x', now - 1)).toBe(false);
  expect(enc.key('kept', db.get('biglist')!, now + 100000)).toBe(true);
  enc.footer();
  const buf = Buffer.concat(enc.take());
  expect(enc.take()).toEqual([]);
  const keys: string[] = [];
  decodeRdb(buf, { selectDb() {}, key: (key) => keys.push(key) });
  expect(keys).toEqual(['kept']);
});

// ---- Redis writes, kevy reads ---------------------------------------------------

/** Makes the differential Redis SAVE and returns its dump.rdb. */
async function redisSave(r: RawClient): Promise<Buffer> {
  expect(await r.send(['SAVE'])).toBe('+OK\r\n');
  const [, dir] = parse(await r.send(['CONFIG', 'GET', 'dir'])) as string[];
  return fs.readFileSync(path.join(dir, 'dump.rdb'));
}

function decodeAll(buf: Buffer): Map<string, unknown> {
  const out = new Map<string, unknown>();
  let db = 0;
  decodeRdb(buf, {
    selectDb(id) {
      db = id;
    },
    key(key, value, expireAtMs) {
      expect(out.has(`${db}/${key}`)).toBe(false);
      out.set(`${db}/${key}`, [canonical(value), expireAtMs >= 0]);
    },
  }, { file: 'dump.rdb' });
  return out;
}

test('a dump.rdb written by redis-server (every 7.0 encoding) decodes to the same data', async () => {
  const [r, k] = await d.clients(2);
  // Plain quicklist nodes for big items, compressed inner nodes, small nodes.
  expect(await r.send(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1000'])).toBe('+OK\r\n');
  expect(await r.send(['CONFIG', 'SET', 'list-compress-depth', '1'])).toBe('+OK\r\n');
  expect(await r.send(['CONFIG', 'SET', 'list-max-listpack-size', '16'])).toBe('+OK\r\n');
  try {
    await populate(r);
    await populate(k);
    for (const compression of ['yes', 'no']) {
      await r.send(['CONFIG', 'SET', 'rdbcompression', compression]);
      const file = await redisSave(r);
      const got = decodeAll(file);
      // Redis 7.0's own encodings all appear: listpack hash and zset, intset, quicklist 2 ...
      const types = new Set<number>();
      decodeRdb(file, { selectDb() {}, key() {} }, {}, { keyStart: (_k, t) => types.add(t) });
      expect([...types].sort((a, b) => a - b)).toEqual([0, 2, 4, 5, 11, 16, 17, 18]);
      const want = kevyContents();
      expect(got.size).toBe(want.size);
      for (const [key, v] of want) expect(got.get(key), key).toEqual(v);
    }
  } finally {
    await r.send(['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1073741824']);
    await r.send(['CONFIG', 'SET', 'list-compress-depth', '0']);
    await r.send(['CONFIG', 'SET', 'list-max-listpack-size', '-2']);
    await r.send(['CONFIG', 'SET', 'rdbcompression', 'yes']);
  }
});

test('the checker reports a redis-server dump.rdb as redis-check-rdb does', async () => {
  const [r] = await d.clients(2);
  await populate(r);
  const dir = fs.mkdtempSync(path.join(tmp, 'c-'));
  const file = path.join(dir, 'dump.rdb');
  fs.writeFileSync(file, await redisSave(r));
  const lines: string[] = [];
  expect(checkRdb(file, (l) => lines.push(l))).toBe(0);
  expect(lines.join('\n') + '\n').toBe(redisCheck(file));
});

// ---- old versions and damaged files ---------------------------------------------

/** An RDB file from parts, with a CRC64 when the version has one. */
function rdbFile(version: number, body: Buffer): Buffer {
  const head = Buffer.from(`REDIS${String(version).padStart(4, '0')}`, 'latin1');
  const all = Buffer.concat([head, body, Buffer.from([0xff])]);
  if (version < 5) return all;
  return Buffer.concat([all, crc64Bytes(crc64Update(crc64Init(), all))]);
}

const s = (x: string) => Buffer.concat([Buffer.from([x.length]), Buffer.from(x, 'latin1')]);

test('RDB version 3 with a zipmap hash and EXPIRETIME in seconds loads in kevy and in redis-server', async () => {
  const zipmap = Buffer.from('\x02' + '\x01a\x01\x001' + '\x02bc\x03\x00xyz' + '\xff', 'latin1');
  const body = Buffer.concat([
    Buffer.from([0xfe, 0]),
    Buffer.from([0x09]), s('zm'), s(zipmap.toString('latin1')),
    Buffer.from([0xfd]), Buffer.from([0x00, 0x00, 0x00, 0x7f]), // EXPIRETIME 0x7f000000 s (year 2037)
    Buffer.from([0x00]), s('str'), s('v'),
  ]);
  const buf = rdbFile(3, body);
  const got = decodeAll(buf);
  expect(got.get('0/zm')).toEqual([[['a', '1'], ['bc', 'xyz']], false]);
  expect(got.get('0/str')).toEqual(['v', true]);
  let when = -1;
  decodeRdb(buf, { selectDb() {}, key: (_k, _v, e) => (when = e) });
  expect(when).toBe(0x7f000000 * 1000);
  const dir = fs.mkdtempSync(path.join(tmp, 'v3-'));
  fs.writeFileSync(path.join(dir, 'old.rdb'), buf);
  const redis = await redisLoading(dir, 'old.rdb');
  const c = await RawClient.connect(redis.port);
  expect(await canonicalFrom(c, 'zm')).toEqual([['a', '1'], ['bc', 'xyz']]);
  expect(parse(await c.send(['EXPIRETIME', 'str']))).toBe(0x7f000000);
  c.close();
  await redis.done();
});

function decodeError(buf: Buffer): RdbError {
  try {
    decodeRdb(buf, { selectDb() {}, key() {} }, { file: 'bad.rdb' });
  } catch (e) {
    expect(e).toBeInstanceOf(RdbError);
    return e as RdbError;
  }
  throw new Error('no error');
}

test('damaged or unsupported files stop with the file, the offset and advice', async () => {
  const good = rdbFile(10, Buffer.concat([Buffer.from([0xfe, 0, 0x00]), s('k'), s('value')]));
  expect(decodeAll(good).get('0/k')).toEqual(['value', false]);

  let e = decodeError(good.subarray(0, 17));
  expect(e.message).toBe(
    "Bad RDB file bad.rdb at offset 15: Unexpected EOF reading RDB file (key 'k', type 0). Run kevy-check-rdb bad.rdb for details; fix or remove the file to start.",
  );
  expect(decodeError(good.subarray(0, 20)).reason).toBe('Unexpected EOF reading RDB file'); // no EOF opcode
  e = decodeError(Buffer.from('REDIX0010\xff', 'latin1'));
  expect(e.reason).toBe('Wrong signature trying to load DB from file');
  e = decodeError(Buffer.from('REDIS0011\xff', 'latin1'));
  expect(e.reason).toBe("Can't handle RDB format version 11");
  e = decodeError(Buffer.from('REDIS0000\xff', 'latin1'));
  expect(e.reason).toBe("Can't handle RDB format version 0");

  const flipped = Buffer.from(good);
  flipped[flipped.length - 1] ^= 1;
  e = decodeError(flipped);
  expect(e.reason).toMatch(/^Wrong RDB checksum/);
  expect(e.offset).toBe(good.length);
  // A zero checksum means "saved without one"; checksum: false skips the check.
  const zero = Buffer.concat([good.subarray(0, good.length - 8), Buffer.alloc(8)]);
  expect(decodeAll(zero).size).toBe(1);
  expect(decodeRdb(flipped, { selectDb() {}, key() {} }, { checksum: false }).keys).toBe(1);

  // A stream key (type 15), functions and module aux data are not supported.
  e = decodeError(rdbFile(10, Buffer.concat([Buffer.from([0xfe, 0, 15]), s('mystream'), s('xx')])));
  expect(e.reason).toBe('Type 15 (stream) is not supported by kevy');
  expect(e.key).toBe('mystream');
  expect(e.offset).toBe(11);
  e = decodeError(rdbFile(10, Buffer.concat([Buffer.from([0xf5]), s('lib')])));
  expect(e.reason).toBe('Functions are not supported by kevy');
  e = decodeError(rdbFile(10, Buffer.from([0xf7, 0x01])));
  expect(e.reason).toBe('Module auxiliary data is not supported by kevy');
  e = decodeError(rdbFile(10, Buffer.from([0x08])));
  expect(e.reason).toBe('Unknown RDB encoding type 8');

  // An empty collection is skipped and counted, as Redis does.
  const withEmpty = rdbFile(10, Buffer.concat([Buffer.from([0xfe, 0, 0x02]), s('e'), Buffer.from([0]), Buffer.from([0]), s('k'), s('v')]));
  const res = decodeRdb(withEmpty, { selectDb() {}, key() {} });
  expect([res.keys, res.emptyKeys]).toEqual([1, 1]);
});

test('the checker on damaged files: error block like redis-check-rdb, exit status 1', async () => {
  const good = rdbFile(10, Buffer.concat([Buffer.from([0xfe, 0, 0x00]), s('k'), s('value')]));
  const file = path.join(tmp, 'trunc.rdb');
  fs.writeFileSync(file, good.subarray(0, 18));
  const lines: string[] = [];
  expect(checkRdb(file, (l) => lines.push(l))).toBe(1);
  expect(lines).toEqual([
    `[offset 0] Checking RDB file ${file}`,
    '[offset 11] Selecting DB ID 0',
    '--- RDB ERROR DETECTED ---',
    '[offset 15] Unexpected EOF reading RDB file',
    '[additional info] While doing: read-object-value',
    "[additional info] Reading key 'k'",
    '[additional info] Reading type 0 (string)',
    '[info] 0 keys read',
    '[info] 0 expires',
    '[info] 0 already expired',
  ]);
  const missing: string[] = [];
  expect(checkRdb(path.join(tmp, 'nosuch.rdb'), (l) => missing.push(l))).toBe(1);
  expect(missing[1]).toMatch(/^Cannot open RDB file/);
});
