/**
 * INFO keyspace_hits / keyspace_misses against a real Redis 7.0: the same
 * commands on both servers, the two counters compared after each one (Redis
 * counts in lookupKeyRead: read-only commands and the GET-family writes;
 * lookupKeyWrite, KEYS, RANDOMKEY and expiry do not count).
 */
import { expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';

const d = differential();

function counters(info: string): string {
  const hits = /keyspace_hits:(\d+)/.exec(info)?.[1];
  const misses = /keyspace_misses:(\d+)/.exec(info)?.[1];
  return `hits=${hits} misses=${misses}`;
}

/** Commands whose replies legitimately differ (random picks, hash order). */
const RANDOM = new Set(['RANDOMKEY', 'HRANDFIELD', 'SCAN', 'KEYS']);

async function expectSameCounters(cmds: Cmd[]): Promise<void> {
  const [redis, kevy] = await d.clients();
  await d.run([['CONFIG', 'RESETSTAT']]);
  let inMulti = false;
  for (const cmd of cmds) {
    const [ra, rb] = await Promise.all([redis.send(cmd), kevy.send(cmd)]);
    if (!RANDOM.has(String(cmd[0]))) expect(rb, cmd.join(' ')).toEqual(ra);
    if (cmd[0] === 'MULTI') inMulti = true;
    if (cmd[0] === 'EXEC') inMulti = false;
    if (inMulti) continue;
    const [ia, ib] = await d.both(['INFO', 'stats']);
    expect(counters(ib), `after ${cmd.join(' ')}`).toBe(counters(ia));
  }
}

test('strings, keys and generic commands', async () => {
  await expectSameCounters([
    ['SET', 'a', '1'], ['GET', 'a'], ['GET', 'missing'], ['MGET', 'a', 'b', 'a'], ['EXISTS', 'a', 'b'],
    ['TYPE', 'a'], ['TYPE', 'b'], ['TTL', 'a'], ['PTTL', 'b'], ['STRLEN', 'a'], ['GETRANGE', 'a', '0', '-1'],
    ['GETEX', 'a'], ['GETEX', 'b', 'PERSIST'], ['GETSET', 'a', '2'], ['GETDEL', 'nothing'], ['GETDEL', 'a'],
    ['SET', 'a', '1'], ['SET', 'a', '2', 'NX'], ['SET', 'a', '3', 'XX'], ['SET', 'a', '4', 'GET'], ['SET', 'nob', '4', 'NX', 'GET'], ['INCR', 'a'], ['APPEND', 'a', 'x'],
    ['SETRANGE', 'a', '0', 'y'], ['DEL', 'a', 'b'], ['SET', 'k', 'v'], ['TOUCH', 'k', 'nokey'],
    ['DUMP', 'k'], ['OBJECT', 'ENCODING', 'k'], ['OBJECT', 'FREQ', 'k'], ['RANDOMKEY'], ['KEYS', '*'],
    ['SCAN', '0'], ['SCAN', '0', 'TYPE', 'string'], ['EXPIRE', 'k', '100'], ['PERSIST', 'k'], ['RENAME', 'k', 'k2'],
    ['COPY', 'k2', 'k3'], ['COPY', 'nokey', 'k4'], ['COPY', 'k2', 'k3', 'REPLACE'], ['MOVE', 'k3', '1'], ['RENAMENX', 'k2', 'k3'],
    ['RESTORE', 'r', '0', '\x00\x01x\n\x00\x91\xc0\xf0\xa2G\xec\xfe\xad'], ['MSETNX', 'm1', '1'], ['MSET', 'm1', '2'], ['LCS', 'k2', 'k3'], ['SUBSTR', 'k2', '0', '1'], ['MULTI'], ['GET', 'k2'], ['GET', 'zz'], ['EXEC'],
  ]);
});

test('collections', async () => {
  await expectSameCounters([
    ['HSET', 'h', 'f', 'v'], ['HGET', 'h', 'f'], ['HGET', 'nohash', 'f'], ['HGETALL', 'h'], ['HLEN', 'h'],
    ['HINCRBY', 'h', 'n', '1'], ['HSCAN', 'h', '0'], ['HRANDFIELD', 'h'],
    ['SADD', 's', '1', '2'], ['SMEMBERS', 's'], ['SISMEMBER', 's', '1'], ['SUNION', 's', 'nos'], ['SINTER', 's', 'nos'],
    ['SUNIONSTORE', 'd', 's', 'nos'], ['SINTERCARD', '2', 's', 'd'], ['SMOVE', 's', 'd', '1'], ['SCARD', 'd'],
    ['ZADD', 'z', '1', 'a'], ['ZRANGE', 'z', '0', '-1'], ['ZSCORE', 'z', 'a'], ['ZUNIONSTORE', 'zd', '2', 'z', 'noz'],
    ['ZUNION', '2', 'z', 'noz'], ['ZRANGESTORE', 'zd2', 'z', '0', '-1'], ['ZINCRBY', 'z', '1', 'a'],
    ['RPUSH', 'l', '3', '1', '2'], ['LRANGE', 'l', '0', '-1'], ['LINDEX', 'l', '0'], ['LLEN', 'nol'], ['LPOS', 'l', '1'],
    ['SORT', 'l'], ['SORT_RO', 'l'], ['SORT', 'l', 'STORE', 'sl'], ['SORT', 'l', 'BY', 'w_*', 'GET', '#'],
    ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], ['LPOP', 'l'], ['BLPOP', 'l', '0'], ['RPOPLPUSH', 'l2', 'l'],
    ['SDIFFSTORE', 'd2', 's', 'd'], ['SINTERSTORE', 'd3', 's', 'd'], ['SUNIONSTORE', 's', 's', 'd'],
    ['ZINTERSTORE', 'zd3', '2', 'z', 'zd'], ['ZDIFFSTORE', 'zd4', '2', 'z', 'zd'], ['ZRANGESTORE', 'zd5', 'noz', '0', '-1'],
    ['SORT', 'nol', 'STORE', 'sl2'], ['SMOVE', 'd', 's', '2'], ['BITOP', 'OR', 'bd', 'b1', 'b2'],
    ['SET', 'b1', 'x'], ['BITOP', 'AND', 'bd', 'b1', 'b2'], ['BITCOUNT', 'bd'], ['GETBIT', 'bd', '1'], ['SETBIT', 'bd', '1', '1'],
  ]);
});

test('an expired key is a miss', async () => {
  await expectSameCounters([['SET', 'e', '1', 'PX', '1']]);
  await new Promise((r) => setTimeout(r, 20));
  await expectSameCounters([['GET', 'e'], ['EXISTS', 'e'], ['SET', 'e2', '1', 'PX', '1']]);
  await new Promise((r) => setTimeout(r, 20));
  await expectSameCounters([['INCR', 'e2'], ['GET', 'e2']]);
});
