import { beforeEach, expect, test } from 'vitest';
import { CommandTable } from '../src/commands/table';
import { families } from '../src/commands';
import { differential, type Cmd } from './helpers/diff';
import { propagated } from './helpers/servers';

const d = differential();

/** Whether kevy implements a command yet (other families arrive separately). */
function implemented(name: string): boolean {
  return d.kevy.server.table.commands.has(name);
}

/** skipIf is evaluated when the file loads, before the servers start: ask a table built from the families. */
const loadTable = new CommandTable(families);
function implementedAtLoad(name: string): boolean {
  return loadTable.commands.has(name);
}

beforeEach(async () => {
  if (!implemented('flushall')) for (const db of d.kevy.server.dbs) db.flush();
});

/** The bulk strings of a flat RESP array reply. */
function bulks(reply: string): string[] {
  const out: string[] = [];
  const buf = Buffer.from(reply, 'latin1');
  let p = buf.indexOf('\r\n') + 2;
  while (p < buf.length) {
    const eol = buf.indexOf('\r\n', p);
    const n = Number(buf.toString('latin1', p + 1, eol));
    out.push(buf.toString('latin1', eol + 2, eol + 2 + n));
    p = eol + 4 + n;
  }
  return out;
}

/** A SCAN reply: [cursor, keys]. */
function scanReply(reply: string): [string, string[]] {
  const buf = Buffer.from(reply, 'latin1');
  const inner = buf.indexOf('*', 4);
  const all = bulks('*2\r\n' + buf.toString('latin1', buf.indexOf('\r\n') + 2, inner));
  return [all[0], bulks(buf.toString('latin1', inner))];
}

/** Sends a command to both and expects the same multiset of array elements. */
async function sameSet(cmd: Cmd, resp: 2 | 3 = 2): Promise<string[]> {
  const [ra, rb] = await d.both(cmd, { resp });
  const want = bulks(ra).sort();
  expect(bulks(rb).sort(), cmd.join(' ')).toEqual(want);
  return want;
}

/** Runs a full SCAN iteration on one connection; returns every key seen. */
async function scanAll(which: 0 | 1, extra: Cmd = []): Promise<string[]> {
  const conn = (await d.clients(2))[which];
  const seen: string[] = [];
  let cursor = '0';
  let rounds = 0;
  do {
    const [next, keys] = scanReply(await conn.send(['SCAN', cursor, ...extra]));
    seen.push(...keys);
    cursor = next;
    if (++rounds > 10000) throw new Error('SCAN does not terminate');
  } while (cursor !== '0');
  return seen;
}

const BIN = Buffer.from('k\x00\xff\r\n', 'latin1');

test('DEL and UNLINK', async () => {
  await d.run([
    ['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', BIN, 'x'],
    ['DEL', 'a'], ['DEL', 'a'], ['DEL', 'b', 'b', 'nosuch', BIN], ['EXISTS', 'a', 'b', BIN],
    ['SET', 'a', '1'], ['SET', 'b', '2'],
    ['UNLINK', 'a', 'b', 'c'], ['UNLINK', 'a'], ['EXISTS', 'a', 'b'],
    ['SET', '', 'empty-key'], ['DEL', ''], ['GET', ''],
    ['DEL'], ['UNLINK'],
  ]);
  await d.run([['SET', 'a', '1'], ['DEL', 'a', 'a'], ['UNLINK', 'a']], { resp: 3 });
});

test('EXISTS and TOUCH count repeated keys', async () => {
  await d.run([
    ['SET', 'a', '1'], ['SET', BIN, ''],
    ['EXISTS', 'a'], ['EXISTS', 'a', 'a', 'a'], ['EXISTS', 'nosuch'], ['EXISTS', 'a', 'nosuch', BIN, 'a'],
    ['TOUCH', 'a'], ['TOUCH', 'a', 'a', 'nosuch', BIN], ['TOUCH', 'nosuch'],
    ['EXISTS'], ['TOUCH'],
  ]);
  await d.run([['SET', 'a', '1'], ['EXISTS', 'a', 'a'], ['TOUCH', 'a', 'x']], { resp: 3 });
});

test('TYPE of strings and missing keys', async () => {
  await d.run([['SET', 'a', '1'], ['SET', BIN, ''], ['TYPE', 'a'], ['TYPE', BIN], ['TYPE', 'nosuch'], ['TYPE'], ['TYPE', 'a', 'b']]);
  await d.run([['TYPE', 'a'], ['TYPE', 'nosuch']], { resp: 3 });
});

const COLLECTIONS: [string, string, Cmd][] = [
  ['hset', 'hash', ['HSET', 'h', 'f', 'v']],
  ['lpush', 'list', ['LPUSH', 'l', 'x']],
  ['sadd', 'set', ['SADD', 's', 'm']],
  ['zadd', 'zset', ['ZADD', 'z', '1', 'm']],
];
for (const [cmd, type, create] of COLLECTIONS) {
  test.skipIf(!implementedAtLoad(cmd))(`TYPE and SCAN TYPE of a ${type}`, async () => {
    await d.run([['SET', 'str', 'v'], create, ['TYPE', create[1]], ['SCAN', '0', 'TYPE', type], ['SCAN', '0', 'TYPE', type.toUpperCase()]]);
    await d.run([['TYPE', create[1]]], { resp: 3 });
  });
}

test('KEYS', async () => {
  const keys = ['one', 'two', 'three', 'four', 'user:1', 'user:2', 'user:10', '', BIN.toString('latin1')];
  for (const k of keys) await d.run([['SET', Buffer.from(k, 'latin1'), 'v']]);
  expect(await sameSet(['KEYS', '*'])).toHaveLength(keys.length);
  await sameSet(['KEYS', 'user:*']);
  await sameSet(['KEYS', 'user:?']);
  await sameSet(['KEYS', '*o*']);
  await sameSet(['KEYS', 't[hw]*']);
  await sameSet(['KEYS', 'k\x00*']);
  await sameSet(['KEYS', '']);
  await sameSet(['KEYS', 'nomatch*']);
  await sameSet(['KEYS', '*'], 3);
  await d.run([['KEYS'], ['KEYS', 'a', 'b']]);
});

test('KEYS and EXISTS skip expired keys', async () => {
  await d.run([['SET', 'a', '1'], ['SET', 'b', '1'], ['PEXPIRE', 'a', '5']]); // 5 ms: with 1 ms the key can expire within PEXPIRE itself
  await new Promise((r) => setTimeout(r, 40));
  expect(await sameSet(['KEYS', '*'])).toEqual(['b']);
  await d.run([['EXISTS', 'a'], ['TYPE', 'a']]);
});

test('SCAN iterates every key exactly as the real server does (as a set)', async () => {
  const cmds: Cmd[] = [];
  for (let i = 0; i < 300; i++) cmds.push(['SET', `key:${i}`, 'v']);
  for (let i = 0; i < 20; i++) cmds.push(['SET', `other:${i}`, 'v']);
  cmds.push(['SET', BIN, 'v']);
  await d.run(cmds);
  const [redisAll, kevyAll] = [await scanAll(0), await scanAll(1)];
  expect(new Set(kevyAll)).toEqual(new Set(redisAll));
  expect(kevyAll.length).toBe(321); // nothing is returned twice without changes
  const [rm, km] = [await scanAll(0, ['MATCH', 'other:*', 'COUNT', '7']), await scanAll(1, ['MATCH', 'other:*', 'COUNT', '7'])];
  expect(km.sort()).toEqual(rm.sort());
  const [rt, kt] = [await scanAll(0, ['TYPE', 'string', 'COUNT', '1000']), await scanAll(1, ['TYPE', 'string', 'COUNT', '1000'])];
  expect(kt.sort()).toEqual(rt.sort());
  const [rn, kn] = [await scanAll(0, ['TYPE', 'hash']), await scanAll(1, ['TYPE', 'hash'])];
  expect(kn).toEqual(rn);
});

test('SCAN with a big COUNT finishes in one call; RESP3 shape', async () => {
  await d.run([['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', 'c', '3']]);
  for (const resp of [2, 3] as const) {
    const [ra, rb] = await d.both(['SCAN', '0', 'COUNT', '1000', 'MATCH', '*'], { resp });
    expect(scanReply(rb)[0]).toBe('0');
    expect(scanReply(rb)[1].sort()).toEqual(scanReply(ra)[1].sort());
    expect(rb.startsWith('*2\r\n$1\r\n0\r\n*3\r\n')).toBe(true);
  }
});

test('SCAN guarantee: keys present for the whole iteration are returned despite deletes', async () => {
  const [, kevy] = await d.clients(2);
  for (let i = 0; i < 200; i++) await kevy.send(['SET', `s:${i}`, 'v']);
  const seen = new Set<string>();
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = scanReply(await kevy.send(['SCAN', cursor, 'COUNT', '10']));
    for (const k of keys) seen.add(k);
    // Delete keys with odd numbers as we go; the even ones must all be seen.
    if (deleted < 100) await kevy.send(['DEL', `s:${deleted * 2 + 1}`]);
    deleted++;
    cursor = next;
  } while (cursor !== '0');
  for (let i = 0; i < 200; i += 2) expect(seen.has(`s:${i}`), `s:${i}`).toBe(true);
});

test('SCAN errors and cursor parsing', async () => {
  await d.run([
    ['SET', 'a', '1'],
    ['SCAN', 'x'], ['SCAN', ' 1'], ['SCAN', '1 '], ['SCAN', '18446744073709551616'], ['SCAN', '0x10'], ['SCAN', '+'],
    ['SCAN', '-'], ['SCAN', '1.5'],
    ['SCAN', 'x', 'COUNT', '0'],
    ['SCAN', '0', 'COUNT', '0'], ['SCAN', '0', 'COUNT', '-1'], ['SCAN', '0', 'COUNT', 'x'],
    ['SCAN', '0', 'COUNT', '99999999999999999999'], ['SCAN', '0', 'MATCH'], ['SCAN', '0', 'TYPE'],
    ['SCAN', '0', 'FOO', 'bar'], ['SCAN', '0', 'COUNT', '10', 'MATCH'],
    ['SCAN', '0', 'count', '10', 'match', 'a', 'type', 'STRING'],
    ['SCAN', '0', 'TYPE', 'nosuchtype'],
    ['SCAN'],
  ]);
  // Cursors that strtoul accepts: empty, signed, 2^64-1.
  await sameSet(['SCAN', '', 'COUNT', '100']);
  const [ra, rb] = await d.both(['SCAN', '+0']);
  expect(scanReply(rb)).toEqual(scanReply(ra));
  for (const cur of ['-1', '18446744073709551615', '+5', '-18446744073709551615']) {
    const [r, k] = await d.both(['SCAN', cur]);
    expect(r.startsWith('*2\r\n'), r).toBe(true);
    expect(k.startsWith('*2\r\n'), k).toBe(true);
  }
});

test('SCAN does not return expired keys', async () => {
  await d.run([['SET', 'a', '1'], ['SET', 'b', '1'], ['PEXPIRE', 'a', '5']]); // 5 ms: with 1 ms the key can expire within PEXPIRE itself
  await new Promise((r) => setTimeout(r, 40));
  expect((await scanAll(1)).sort()).toEqual((await scanAll(0)).sort());
  expect((await scanAll(1, ['MATCH', 'a']))).toEqual([]);
});

test('RANDOMKEY', async () => {
  await d.run([['RANDOMKEY'], ['RANDOMKEY', 'x']]);
  await d.run([['RANDOMKEY']], { resp: 3 });
  await d.run([['SET', BIN, '1'], ['RANDOMKEY']]);
  await d.run([['SET', 'a', '1'], ['SET', 'b', '1'], ['SET', 'c', '1']]);
  const seen = new Set<string>();
  for (let i = 0; i < 60; i++) {
    const [ra, rb] = await d.both(['RANDOMKEY']);
    expect(['a', 'b', 'c', BIN.toString('latin1')]).toContain(bulks('*1\r\n' + ra)[0]);
    seen.add(bulks('*1\r\n' + rb)[0]);
  }
  expect([...seen].every((k) => ['a', 'b', 'c', BIN.toString('latin1')].includes(k))).toBe(true);
  expect(seen.size).toBeGreaterThan(1);
});

test('RANDOMKEY skips expired keys', async () => {
  await d.run([['SET', 'a', '1'], ['PEXPIRE', 'a', '5']]); // 5 ms: with 1 ms the key can expire within PEXPIRE itself
  await new Promise((r) => setTimeout(r, 40));
  await d.run([['RANDOMKEY'], ['SET', 'b', '1'], ['RANDOMKEY']]);
});

const FAR = '4102444800'; // 2100-01-01: fixed, so EXPIRETIME replies are comparable

test('RENAME', async () => {
  await d.run([
    ['SET', 'a', '1'], ['RENAME', 'a', 'b'], ['GET', 'a'], ['GET', 'b'],
    ['RENAME', 'nosuch', 'x'], ['RENAME', 'nosuch', 'nosuch'], ['RENAME', 'b', 'b'], ['GET', 'b'],
    // TTL travels with the value; an overwritten destination loses its own TTL.
    ['EXPIREAT', 'b', FAR], ['RENAME', 'b', 'c'], ['EXPIRETIME', 'c'], ['TTL', 'b'],
    ['SET', 'd', 'x'], ['EXPIREAT', 'd', '4102444900'], ['SET', 'e', 'y'], ['RENAME', 'e', 'd'], ['TTL', 'd'], ['GET', 'd'],
    ['RENAME', 'c', 'd'], ['EXPIRETIME', 'd'], ['GET', 'd'],
    ['SET', BIN, 'bin'], ['RENAME', BIN, ''], ['GET', ''], ['RENAME', '', BIN], ['GET', BIN],
    ['RENAME', 'a'], ['RENAME', 'a', 'b', 'c'],
  ]);
  await d.run([['SET', 'a', '1'], ['RENAME', 'a', 'b'], ['RENAME', 'a', 'b']], { resp: 3 });
});

test('RENAMENX', async () => {
  await d.run([
    ['SET', 'a', '1'], ['SET', 'b', '2'],
    ['RENAMENX', 'a', 'b'], ['GET', 'a'], ['GET', 'b'],
    ['RENAMENX', 'a', 'c'], ['GET', 'a'], ['GET', 'c'],
    ['RENAMENX', 'c', 'c'], ['RENAMENX', 'nosuch', 'nosuch'], ['RENAMENX', 'nosuch', 'x'],
    ['EXPIREAT', 'c', FAR], ['RENAMENX', 'c', 'd'], ['EXPIRETIME', 'd'],
    ['RENAMENX', 'a'],
  ]);
  await d.run([['SET', 'a', '1'], ['RENAMENX', 'a', 'b'], ['RENAMENX', 'x', 'b']], { resp: 3 });
});

test('COPY', async () => {
  await d.run([
    ['SET', 'a', 'v'], ['COPY', 'a', 'b'], ['GET', 'b'], ['GET', 'a'],
    ['COPY', 'a', 'b'], ['SET', 'a', 'v2'], ['COPY', 'a', 'b', 'REPLACE'], ['GET', 'b'],
    ['COPY', 'nosuch', 'x'], ['COPY', 'a', 'a'], ['COPY', 'nosuch', 'nosuch'],
    ['COPY', 'a', 'a', 'DB', '0'], ['COPY', 'a', 'a', 'DB', '1'],
    ['EXPIREAT', 'a', FAR], ['COPY', 'a', 'c'], ['EXPIRETIME', 'c'],
    ['SET', 'd', 'x'], ['EXPIREAT', 'd', '4102444900'], ['PERSIST', 'a'], ['COPY', 'a', 'd', 'replace'], ['TTL', 'd'],
    ['COPY', 'a', 'e', 'DB', '16'], ['COPY', 'a', 'e', 'DB', '-1'], ['COPY', 'a', 'e', 'DB', 'x'],
    ['COPY', 'a', 'e', 'DB', '99999999999'], ['COPY', 'a', 'e', 'DB'], ['COPY', 'a', 'e', 'FOO'],
    ['COPY', 'a', 'e', 'REPLACE', 'REPLACE', 'DB', '1', 'DB', '2'],
    ['SELECT', '2'], ['GET', 'e'], ['SELECT', '1'], ['GET', 'e'], ['SELECT', '0'],
    ['COPY', BIN, 'x'], ['SET', BIN, '\x00'], ['COPY', BIN, '', 'DB', '3'], ['SELECT', '3'], ['GET', ''],
    ['COPY', 'a'],
  ]);
  await d.run([['SET', 'a', '1'], ['COPY', 'a', 'b'], ['COPY', 'a', 'b']], { resp: 3 });
});

const DEEP_COPY: [string, Cmd[]][] = [
  ['hset', [['HSET', 'c', 'f', 'v'], ['COPY', 'c', 'c2'], ['HSET', 'c2', 'g', 'w'], ['HGETALL', 'c'], ['HLEN', 'c2']]],
  ['lpush', [['RPUSH', 'c', 'a', 'b'], ['COPY', 'c', 'c2'], ['LPUSH', 'c2', 'x'], ['LRANGE', 'c', '0', '-1'], ['LRANGE', 'c2', '0', '-1']]],
  ['sadd', [['SADD', 'c', '1', '2'], ['COPY', 'c', 'c2'], ['SADD', 'c2', '3'], ['SCARD', 'c'], ['SCARD', 'c2'], ['SISMEMBER', 'c', '3']]],
  ['zadd', [['ZADD', 'c', '1', 'a'], ['COPY', 'c', 'c2'], ['ZADD', 'c2', '2', 'b'], ['ZRANGE', 'c', '0', '-1', 'WITHSCORES'], ['ZCARD', 'c2']]],
];
for (const [cmd, script] of DEEP_COPY) {
  test.skipIf(!implementedAtLoad(cmd))(`COPY deep-copies a collection; RENAME and MOVE move it (${cmd})`, async () => {
    await d.run(script);
    await d.run([
      ['EXPIREAT', 'c', FAR], ['COPY', 'c', 'c3', 'DB', '1'], ['TYPE', 'c2'], ['RENAME', 'c2', 'c4'], ['TYPE', 'c4'],
      ['MOVE', 'c4', '2'], ['SELECT', '1'], ['TYPE', 'c3'], ['EXPIRETIME', 'c3'], ['SELECT', '2'], ['TYPE', 'c4'],
      ['SELECT', '0'], ['EXISTS', 'c4'],
    ]);
  });
}

test('MOVE', async () => {
  await d.run([
    ['SET', 'a', '1'], ['MOVE', 'a', '1'], ['GET', 'a'], ['SELECT', '1'], ['GET', 'a'],
    ['MOVE', 'a', '1'], ['MOVE', 'nosuch', '0'], ['SET', 'b', 'x'], ['SELECT', '0'], ['SET', 'b', 'y'],
    ['MOVE', 'b', '1'], ['GET', 'b'],
    ['MOVE', 'b', '16'], ['MOVE', 'b', '-1'], ['MOVE', 'b', 'x'], ['MOVE', 'b', '99999999999'], ['MOVE', 'b', '0'],
    ['EXPIREAT', 'b', FAR], ['MOVE', 'b', '2'], ['TTL', 'b'], ['SELECT', '2'], ['EXPIRETIME', 'b'], ['SELECT', '0'],
    ['SET', BIN, 'z'], ['MOVE', BIN, '5'], ['EXISTS', BIN],
    ['MOVE', 'a'], ['MOVE', 'a', '1', '2'],
  ]);
  await d.run([['SET', 'a', '1'], ['MOVE', 'a', '3'], ['MOVE', 'a', '3']], { resp: 3 });
});

test('write commands bump dirty only when they change something; propagation', async () => {
  const srv = d.kevy.server;
  const [, k] = await d.clients(2);
  const log = await propagated(srv, async () => {
    await k.send(['SET', 'a', '1']);
    const dirty0 = srv.dirty;
    await k.send(['DEL', 'nosuch']);
    await k.send(['RENAME', 'a', 'a']);
    await k.send(['COPY', 'nosuch', 'x']);
    expect(srv.dirty).toBe(dirty0);
    await k.send(['SET', 'b', '1']);
    await k.send(['DEL', 'a', 'b', 'c']);
    expect(srv.dirty).toBe(dirty0 + 3);
    await k.send(['SET', 'u', '1']);
    await k.send(['UNLINK', 'u']);
  });
  expect(log.slice(-4)).toEqual([['SET', 'b', '1'], ['DEL', 'a', 'b', 'c'], ['SET', 'u', '1'], ['UNLINK', 'u']]);
});

test('UNLINK of a big value does not stall the loop', async () => {
  const db = d.kevy.server.dbs[0];
  // A large string value stands in for a big collection: either is one reference.
  db.set('big', 'x'.repeat(50 * 1024 * 1024));
  const [, k] = await d.clients(2);
  const t0 = performance.now();
  expect(await k.send(['UNLINK', 'big'])).toBe(':1\r\n');
  expect(performance.now() - t0).toBeLessThan(200);
});

test('SCAN TYPE none returns a key its own type lookup just expired (Redis 7.0 quirk)', async () => {
  const [redis] = await d.clients(2);
  const db = d.kevy.server.dbs[0];
  const sample = db.expireSample;
  db.expireSample = () => [0, 0];
  await redis.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
  try {
    await d.run([['SET', 'a', '1'], ['SET', 'b', '1'], ['PEXPIRE', 'a', '5']]); // 5 ms: with 1 ms the key can expire within PEXPIRE itself
    await new Promise((r) => setTimeout(r, 40));
    await d.run([['SCAN', '0', 'TYPE', 'none'], ['EXISTS', 'a']]);
    await d.run([['SET', 'a', '1'], ['PEXPIRE', 'a', '5']]); // 5 ms: with 1 ms the key can expire within PEXPIRE itself
    await new Promise((r) => setTimeout(r, 40));
    await d.run([['SCAN', '0', 'TYPE', 'string'], ['EXISTS', 'a']]);
  } finally {
    db.expireSample = sample;
    await redis.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
  }
});

test.skipIf(!implementedAtLoad('blpop'))('RENAME, COPY and MOVE serve clients blocked on the destination', async () => {
  for (const [setup, act] of [
    [[['RPUSH', 'src', 'x']], ['RENAME', 'src', 'dst']],
    [[['RPUSH', 'src', 'y']], ['COPY', 'src', 'dst']],
    [[['SELECT', '1'], ['RPUSH', 'dst', 'z']], ['MOVE', 'dst', '0']],
  ] as [Cmd[], Cmd][]) {
    const [ra, rb] = await d.connect(2);
    const [wa, wb] = await d.connect(2);
    const pa = wa.send(['BLPOP', 'dst', '5']);
    const pb = wb.send(['BLPOP', 'dst', '5']);
    await new Promise((r) => setTimeout(r, 50));
    for (const cmd of [...setup, act]) {
      const [x, y] = await Promise.all([ra.send(cmd), rb.send(cmd)]);
      expect(y, cmd.join(' ')).toBe(x);
    }
    const [got, want] = await Promise.all([pb, pa]);
    expect(got).toBe(want);
    expect(got).toMatch(/^\*2\r\n\$3\r\ndst\r\n/);
  }
});
