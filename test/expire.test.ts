import { beforeEach, expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';
import { propagated } from './helpers/servers';

const d = differential();

beforeEach(async () => {
  if (!d.kevy.server.table.commands.has('flushall')) for (const db of d.kevy.server.dbs) db.flush();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BIN = Buffer.from('e\x00\xff\r\n', 'latin1');
const FAR_S = '4102444800'; // 2100-01-01 in seconds
const FAR_MS = '4102444800123';

/** The integer of a `:n` reply. */
function int(reply: string): number {
  expect(reply.startsWith(':'), reply).toBe(true);
  return Number(reply.slice(1, -2));
}

/** Records what kevy propagates while fn runs. */

async function kevySend(cmd: Cmd): Promise<string> {
  return (await d.clients(2))[1].send(cmd);
}

test('EXPIRE, PEXPIRE and TTL/PTTL', async () => {
  await d.run([
    ['SET', 'a', '1'], ['EXPIRE', 'a', '100'], ['TTL', 'a'],
    ['PEXPIRE', 'a', '200000'], ['TTL', 'a'],
    ['EXPIRE', 'nosuch', '100'], ['PEXPIRE', 'nosuch', '100'], ['TTL', 'nosuch'], ['PTTL', 'nosuch'],
    ['SET', 'b', '1'], ['TTL', 'b'], ['PTTL', 'b'], ['EXPIRETIME', 'b'], ['PEXPIRETIME', 'b'],
    ['SET', BIN, ''], ['EXPIRE', BIN, '50'], ['TTL', BIN],
    // A rewrite of the value with SET drops the TTL.
    ['SET', 'a', '2'], ['TTL', 'a'],
  ]);
  for (const resp of [2, 3] as const) {
    const [ra, rb] = await d.both(['PTTL', BIN], { resp });
    expect(Math.abs(int(ra) - int(rb))).toBeLessThan(1000);
    expect(int(rb)).toBeGreaterThan(48000);
    expect(int(rb)).toBeLessThanOrEqual(50000);
  }
  await d.run([['EXPIRE', 'a', '100'], ['TTL', 'a'], ['TTL', 'nosuch'], ['PERSIST', 'a']], { resp: 3 });
});

test('TTL rounds to the nearest second', async () => {
  await d.run([['SET', 'a', '1'], ['PEXPIRE', 'a', '1900'], ['TTL', 'a'], ['PEXPIRE', 'a', '1400'], ['TTL', 'a']]);
});

test('EXPIREAT, PEXPIREAT, EXPIRETIME, PEXPIRETIME', async () => {
  await d.run([
    ['SET', 'a', '1'], ['EXPIREAT', 'a', FAR_S], ['EXPIRETIME', 'a'], ['PEXPIRETIME', 'a'],
    ['PEXPIREAT', 'a', FAR_MS], ['EXPIRETIME', 'a'], ['PEXPIRETIME', 'a'],
    // EXPIRETIME rounds: (ms + 500) / 1000.
    ['PEXPIREAT', 'a', '4102444800499'], ['EXPIRETIME', 'a'], ['PEXPIREAT', 'a', '4102444800500'], ['EXPIRETIME', 'a'],
    ['EXPIREAT', 'nosuch', FAR_S], ['PEXPIREAT', 'nosuch', FAR_MS], ['EXPIRETIME', 'nosuch'], ['PEXPIRETIME', 'nosuch'],
    ['EXPIREAT', 'a', '9223372036854775'], ['EXISTS', 'a'],
    ['PEXPIREAT', 'a', '9007199254740991'], ['PEXPIRETIME', 'a'],
  ]);
  await d.run([['EXPIRETIME', 'a'], ['PEXPIRETIME', 'a'], ['EXPIRETIME', 'x']], { resp: 3 });
});

test('an expire time in the past deletes the key', async () => {
  await d.run([
    ['SET', 'a', '1'], ['EXPIRE', 'a', '-1'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['PEXPIRE', 'a', '0'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['EXPIREAT', 'a', '1'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['PEXPIREAT', 'a', '-9223372036854775808'], ['EXISTS', 'a'],
    ['SET', 'a', '1'], ['EXPIRE', 'a', '-9223372036854775'], ['EXISTS', 'a'],
    ['EXPIRE', 'a', '-1'],
  ]);
});

test('NX, XX, GT, LT', async () => {
  const EQUAL_MS = String(Date.now() + 1_000_000);
  await d.run([
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '100', 'XX'], ['TTL', 'a'],
    ['EXPIRE', 'a', '100', 'GT'], ['TTL', 'a'],
    ['EXPIRE', 'a', '100', 'LT'], ['TTL', 'a'],
    ['PERSIST', 'a'], ['EXPIRE', 'a', '100', 'NX'], ['TTL', 'a'],
    ['EXPIRE', 'a', '200', 'NX'], ['TTL', 'a'],
    ['EXPIRE', 'a', '200', 'xx'], ['TTL', 'a'],
    ['EXPIRE', 'a', '100', 'gt'], ['TTL', 'a'],
    ['EXPIRE', 'a', '300', 'GT'], ['TTL', 'a'],
    ['EXPIRE', 'a', '400', 'LT'], ['TTL', 'a'],
    ['EXPIRE', 'a', '50', 'LT'], ['TTL', 'a'],
    // Equal times compared with GT/LT: absolute, so the answer does not depend on a millisecond passing.
    ['PEXPIREAT', 'a', EQUAL_MS], ['PEXPIREAT', 'a', EQUAL_MS, 'GT'], ['PEXPIREAT', 'a', EQUAL_MS, 'LT'],
    ['EXPIRE', 'a', '60', 'XX', 'GT'], ['TTL', 'a'],
    ['EXPIRE', 'a', '40', 'XX', 'LT'], ['TTL', 'a'],
    ['EXPIRE', 'a', '40', 'LT', 'LT', 'XX'],
    // LT with a negative time on a key with a TTL: deletes it.
    ['EXPIRE', 'a', '-5', 'LT'], ['EXISTS', 'a'],
    // GT on a key without TTL always fails, even with a past time.
    ['SET', 'b', '1'], ['EXPIRE', 'b', '-5', 'GT'], ['EXISTS', 'b'],
    ['EXPIRE', 'b', '-5', 'XX'], ['EXISTS', 'b'],
    ['EXPIRE', 'nosuch', '10', 'NX'], ['EXPIRE', 'nosuch', '10', 'XX'],
    ['PEXPIREAT', 'b', FAR_MS, 'NX'], ['PEXPIREAT', 'b', FAR_MS, 'NX'], ['EXPIREAT', 'b', FAR_S, 'GT'],
    ['EXPIREAT', 'b', FAR_S, 'LT'], ['PEXPIRETIME', 'b'],
  ]);
});

test('option errors', async () => {
  await d.run([
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '10', 'NX', 'XX'], ['EXPIRE', 'a', '10', 'NX', 'GT'], ['EXPIRE', 'a', '10', 'NX', 'LT'],
    ['EXPIRE', 'a', '10', 'GT', 'LT'], ['PEXPIRE', 'a', '10', 'lt', 'gt'], ['EXPIRE', 'a', '10', 'XX', 'GT', 'LT'],
    ['EXPIRE', 'a', '10', 'NX', 'GT', 'XX'],
    ['EXPIRE', 'a', '10', 'foo'], ['EXPIREAT', 'a', '10', 'NX', 'bar'], ['PEXPIREAT', 'a', '10', ''],
    // Options are checked before the number, the number before the key.
    ['EXPIRE', 'a', 'abc', 'foo'], ['EXPIRE', 'nosuch', 'abc'], ['EXPIRE', 'nosuch', '10', 'nx', 'xx'],
    ['EXPIRE', 'a', 'abc'], ['EXPIRE', 'a', '10.5'], ['EXPIRE', 'a', ''], ['EXPIRE', 'a', ' 10'], ['EXPIRE', 'a', '+10'],
    ['EXPIRE', 'a', '9223372036854775808'], ['PEXPIRE', 'a', '-9223372036854775809'],
    ['TTL', 'a'],
    ['EXPIRE'], ['EXPIRE', 'a'], ['PEXPIRE', 'a'], ['EXPIREAT', 'a'], ['PEXPIREAT'],
    ['TTL'], ['TTL', 'a', 'b'], ['PTTL'], ['EXPIRETIME'], ['PEXPIRETIME', 'a', 'b'], ['PERSIST'], ['PERSIST', 'a', 'b'],
  ]);
  await d.run([['EXPIRE', 'a', '10', 'foo'], ['EXPIRE', 'a', '10', 'NX', 'XX']], { resp: 3 });
});

test('invalid expire time: overflow by unit conversion or base time', async () => {
  await d.run([
    ['SET', 'a', '1'],
    ['EXPIRE', 'a', '9223372036854775'], ['EXPIRE', 'a', '9223372036854776'], ['EXPIRE', 'a', '-9223372036854776'],
    ['EXPIRE', 'a', '9223372036854775807'], ['EXPIRE', 'a', '-9223372036854775808'],
    ['PEXPIRE', 'a', '9223372036854775807'], ['PEXPIRE', 'a', '9223372036854000000'],
    ['EXPIREAT', 'a', '9223372036854776'], ['EXPIREAT', 'a', '-9223372036854776'], ['EXPIREAT', 'a', '9223372036854775808'],
    // Overflow is an error even when the key does not exist.
    ['EXPIRE', 'nosuch', '9223372036854775'], ['pexpire', 'nosuch', '9223372036854775807'],
    ['TTL', 'a'],
  ]);
});

test('PERSIST', async () => {
  await d.run([
    ['SET', 'a', '1'], ['PERSIST', 'a'], ['EXPIRE', 'a', '100'], ['PERSIST', 'a'], ['TTL', 'a'], ['PERSIST', 'a'],
    ['PERSIST', 'nosuch'], ['SET', BIN, 'x'], ['PEXPIRE', BIN, '100000'], ['PERSIST', BIN], ['TTL', BIN],
  ]);
});

test('keys expire lazily', async () => {
  await d.run([['SET', 'a', '1'], ['PEXPIRE', 'a', '30'], ['EXISTS', 'a']]);
  await sleep(60);
  await d.run([['GET', 'a'], ['TTL', 'a'], ['PTTL', 'a'], ['EXPIRETIME', 'a'], ['PERSIST', 'a'], ['EXPIRE', 'a', '10'], ['EXISTS', 'a']]);
});

test('propagation: relative and absolute times become PEXPIREAT; past times become DEL', async () => {
  const [, k] = await d.clients(2);
  await k.send(['SET', 'a', '1']);
  let before = 0;
  let after = 0;
  const log = await propagated(d.kevy.server, async () => {
    before = Date.now();
    await k.send(['EXPIRE', 'a', '100']);
    await k.send(['pexpire', 'a', '200000', 'gt']);
    after = Date.now();
    await k.send(['EXPIREAT', 'a', FAR_S]);
    await k.send(['pexpireat', 'a', FAR_MS, 'xx']);
    await k.send(['EXPIRE', 'a', '100', 'NX']); // refused: not propagated
    await k.send(['EXPIRE', 'nosuch', '100']); // no key: not propagated
    await k.send(['PERSIST', 'a']);
    await k.send(['PERSIST', 'a']); // nothing to remove: not propagated
    await k.send(['PEXPIRE', 'a', '-1']);
    await k.send(['SET', 'b', '1']);
    await k.send(['EXPIREAT', 'b', '1', 'NX']);
  });
  expect(log).toHaveLength(8);
  const [e1, e2, e3, e4, p, del, , del2] = log;
  expect(e1[0]).toBe('PEXPIREAT');
  expect(e1[1]).toBe('a');
  expect(Number(e1[2])).toBeGreaterThanOrEqual(before + 100000);
  expect(Number(e1[2])).toBeLessThanOrEqual(after + 100000);
  expect(e1).toHaveLength(3);
  expect(e2[0]).toBe('PEXPIREAT');
  expect(Number(e2[2])).toBeGreaterThanOrEqual(before + 200000);
  expect(Number(e2[2])).toBeLessThanOrEqual(after + 200000);
  expect(e2[3]).toBe('gt');
  expect(e3).toEqual(['PEXPIREAT', 'a', FAR_S + '000']);
  expect(e4).toEqual(['pexpireat', 'a', FAR_MS, 'xx']);
  expect(p).toEqual(['PERSIST', 'a']);
  expect(del).toEqual(['DEL', 'a']);
  expect(del2).toEqual(['DEL', 'b']);
  expect(await kevySend(['EXISTS', 'a', 'b'])).toBe(':0\r\n');
});

test('propagation keeps exact 64-bit times', async () => {
  const [, k] = await d.clients(2);
  await k.send(['SET', 'a', '1']);
  const log = await propagated(d.kevy.server, async () => {
    await k.send(['EXPIREAT', 'a', '9223372036854775']);
  });
  expect(log).toEqual([['PEXPIREAT', 'a', '9223372036854775000']]);
});

test('a lazily expired key is propagated as DEL', async () => {
  const [, k] = await d.clients(2);
  const db = d.kevy.server.dbs[0];
  // Keep the active expiry away from this key so the access is what expires it.
  const sample = db.expireSample;
  db.expireSample = () => [0, 0];
  try {
    await k.send(['SET', 'a', '1']);
    await k.send(['PEXPIRE', 'a', '10']);
    await sleep(30);
    expect(db.data.has('a')).toBe(true);
    const log = await propagated(d.kevy.server, async () => {
      expect(await k.send(['GET', 'a'])).toBe('$-1\r\n');
    });
    expect(log).toEqual([['DEL', 'a']]);
    expect(db.data.has('a')).toBe(false);
  } finally {
    db.expireSample = sample;
  }
});

test('active expiry reclaims memory without any access', async () => {
  const srv = d.kevy.server;
  const [, k] = await d.clients(2);
  let pipeline = '';
  for (let i = 0; i < 1000; i++) {
    pipeline += `*3\r\n$3\r\nSET\r\n$${`ak:${i}`.length}\r\nak:${i}\r\n$1\r\nv\r\n`;
    pipeline += `*3\r\n$7\r\nPEXPIRE\r\n$${`ak:${i}`.length}\r\nak:${i}\r\n$2\r\n50\r\n`;
  }
  // Active expiry off while loading, so a slow machine cannot expire keys
  // before the first count; lazy expiry never runs as nothing reads them.
  expect(await k.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '0'])).toBe('+OK\r\n');
  await k.sendMany(pipeline, 2000);
  await k.send(['SET', 'keep', 'v']);
  const db = srv.dbs[0];
  expect(db.size).toBe(1001);
  await sleep(100);
  expect(db.size).toBe(1001);
  expect(await k.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '1'])).toBe('+OK\r\n');
  const deadline = Date.now() + 5000;
  while (db.size > 1 && Date.now() < deadline) await sleep(50);
  expect(db.size).toBe(1);
  expect(db.expires.size).toBe(0);
  expect(db.data.has('keep')).toBe(true);
});

test('inside MULTI/EXEC, EXPIRE is propagated as PEXPIREAT', async () => {
  const [, k] = await d.clients(2);
  await k.send(['SET', 'a', '1']);
  await k.send(['SET', 'b', '1']);
  const log = await propagated(d.kevy.server, async () => {
    await k.send(['MULTI']);
    await k.send(['EXPIRE', 'a', '100']);
    await k.send(['EXPIRE', 'b', '-1']);
    await k.send(['EXEC']);
  });
  const names = log.map((cmd) => cmd[0].toUpperCase());
  expect(names).toContain('PEXPIREAT');
  expect(log).toContainEqual(['DEL', 'b']);
  expect(names).not.toContain('EXPIRE');
});
