/**
 * Differential tests of SORT and SORT_RO over lists, sets and sorted sets.
 * A hashtable-encoded set with BY nosort comes back in hash order, which
 * differs between servers: that case is checked structurally.
 */
import { describe, expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';

const d = differential();

async function both(cmds: Cmd[]): Promise<void> {
  await d.run(cmds);
  await d.run([['FLUSHALL']]);
  await d.run(cmds, { resp: 3 });
}

const DATA: Cmd[] = [
  ['RPUSH', 'l', '3', '1', '2', '10', '-1.5', '1e3', '0x10', '2'],
  ['SADD', 's', '5', '3', '9', '1'],
  ['SADD', 'sa', 'b', 'a', 'c', 'B'],
  ['ZADD', 'z', '1', 'c', '2', 'a', '3', 'b', '4', 'd'],
  ['ZADD', 'zn', '1', '30', '2', '10', '3', '20'],
  ['RPUSH', 'al', 'b', 'a', 'C', 'B', 'a b', '', 'é', 'a\x00z', 'a\x00b'],
  ['MSET', 'w_3', '30', 'w_1', '10', 'w_2', '20', 'w_10', '5', 'w_c', '4', 'w_a', '1', 'w_b', '3', 'w_d', '2'],
  ['MSET', 'n_a', 'apple', 'n_b', 'banana', 'n_c', 'cherry', 'n_d', 'date'],
  ['HSET', 'h_a', 'f', '9', 'g', 'ga'],
  ['HSET', 'h_b', 'f', '8', 'g', 'gb'],
  ['HSET', 'h_c', 'f', '7'],
  ['HSET', 'h_d', 'f', '6', 'g', 'gd'],
  ['SET', 'str', 'x'],
];

describe('SORT', () => {
  test('numeric and ALPHA ordering, ASC/DESC, LIMIT', async () => {
    await both([
      ...DATA,
      ['SORT', 'l'],
      ['SORT', 'l', 'DESC'],
      ['SORT', 'l', 'ASC', 'DESC', 'asc'],
      ['SORT', 's'],
      ['SORT', 's', 'DESC'],
      ['SORT', 'sa', 'ALPHA'],
      ['SORT', 'sa', 'ALPHA', 'DESC'],
      ['SORT', 'sa'],
      ['SORT', 'z'],
      ['SORT', 'z', 'ALPHA'],
      ['SORT', 'zn'],
      ['SORT', 'zn', 'DESC'],
      ['SORT', 'al', 'ALPHA'],
      ['SORT', 'al', 'ALPHA', 'DESC'],
      ['SORT', 'l', 'LIMIT', '0', '3'],
      ['SORT', 'l', 'LIMIT', '2', '3', 'DESC'],
      ['SORT', 'l', 'LIMIT', '-5', '2'],
      ['SORT', 'l', 'LIMIT', '1', '-1'],
      ['SORT', 'l', 'LIMIT', '1', '0'],
      ['SORT', 'l', 'LIMIT', '100', '10'],
      ['SORT', 'l', 'LIMIT', '7', '10'],
      ['SORT', 'l', 'LIMIT', '8', '10'],
      ['SORT', 'nokey'],
      ['SORT', 'nokey', 'LIMIT', '0', '5', 'ALPHA'],
      ['RPUSH', 'one', '42'],
      ['SORT', 'one', 'LIMIT', '0', '1'],
      ['SORT', 'one', 'LIMIT', '1', '1'],
    ]);
  });

  test('BY and GET patterns', async () => {
    await both([
      ...DATA,
      ['SORT', 'l', 'BY', 'w_*'],
      ['SORT', 'l', 'BY', 'w_*', 'DESC', 'LIMIT', '1', '3'],
      ['SORT', 's', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*'],
      ['SORT', 'z', 'BY', 'w_*', 'GET', 'n_*', 'GET', '#'],
      ['SORT', 'z', 'BY', 'n_*', 'ALPHA', 'DESC', 'GET', 'n_*'],
      ['SORT', 'z', 'BY', 'h_*->f', 'GET', 'h_*->g', 'GET', 'h_*->nofield'],
      ['SORT', 'z', 'BY', 'h_*->f', 'LIMIT', '1', '2'],
      ['SORT', 'z', 'GET', 'w_*', 'GET', 'nostar', 'GET', 'h_*->'],
      ['SORT', 'z', 'BY', 'nosort'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '2'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '10', '2'],
      ['SORT', 'l', 'BY', 'nosort'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '2', '3', 'GET', '#', 'GET', 'w_*'],
      ['SORT', 's', 'BY', 'nosort'],
      ['SORT', 'l', 'BY', 'x\x00*'],
      ['SORT', 'z', 'BY', 'str', 'GET', 'str'],
      ['SORT', 'z', 'BY', 'h_*->f', 'GET', '#\x00tail'],
      ['SORT', 'z', 'BY', 'missing_*'],
      ['SORT', 'z', 'BY', 'h_*', 'GET', 'h_*'],
      ['SORT', 'z', 'GET', '#', 'GET', '#'],
    ]);
  });

  test('STORE', async () => {
    await both([
      ...DATA,
      ['SORT', 'l', 'STORE', 'd'],
      ['LRANGE', 'd', '0', '-1'],
      ['OBJECT', 'ENCODING', 'd'],
      ['EXPIRE', 'd', '100'],
      ['SORT', 'z', 'BY', 'w_*', 'GET', 'h_*->g', 'GET', '#', 'STORE', 'd'],
      ['TTL', 'd'],
      ['LRANGE', 'd', '0', '-1'],
      ['SORT', 'sa', 'BY', 'nosort', 'STORE', 'd'],
      ['LRANGE', 'd', '0', '-1'],
      ['SORT', 'al', 'ALPHA', 'STORE', 'd'],
      ['LRANGE', 'd', '0', '-1'],
      ['SORT', 'nokey', 'STORE', 'd'],
      ['EXISTS', 'd'],
      ['SORT', 'nokey', 'STORE', 'd'],
      ['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'str'],
      ['EXISTS', 'str'],
      ['SORT', 'l', 'STORE', 'l'],
      ['LRANGE', 'l', '0', '-1'],
      ['SORT', 'zn', 'STORE', 'zn'],
      ['TYPE', 'zn'],
    ]);
  });

  test('sorting a sorted set converts it to skiplist', async () => {
    await d.run([
      ['ZADD', 'z', '1', 'x', '2', 'y'],
      ['OBJECT', 'ENCODING', 'z'],
      ['SORT', 'z'],
      ['OBJECT', 'ENCODING', 'z'],
      ['ZADD', 'z2', '1', '5'],
      ['SORT_RO', 'z2', 'LIMIT', '0', '0'],
      ['OBJECT', 'ENCODING', 'z2'],
    ]);
  });

  test('values that are not numbers', async () => {
    await both([
      ['RPUSH', 'l3', ' 2', '1', '', '1\x00junk', 'inf', '-inf', '0x1p2'],
      ['SORT', 'l3'],
      ['RPUSH', 'l4', 'nan', '1'],
      ['SORT', 'l4'],
      ['RPUSH', 'l5', '2 ', '1'],
      ['SORT', 'l5'],
      ['SORT', 'l5', 'BY', 'nosort'],
      ['RPUSH', 'l6', 'a', 'b'],
      ['MSET', 'k_a', 'x', 'k_b', '1'],
      ['SORT', 'l6', 'BY', 'k_*'],
      ['SORT', 'l6', 'BY', 'none_*'],
      ['SORT', 'l6'],
    ]);
  });

  test('errors', async () => {
    await both([
      ...DATA,
      ['SORT', 'str'],
      ['SORT', 'str', 'LIMIT', 'x', 'y'],
      ['SORT', 'l', 'LIMIT', 'x', '1'],
      ['SORT', 'l', 'LIMIT', '0'],
      ['SORT', 'l', 'LIMIT', '0', '1.5'],
      ['SORT', 'l', 'foo'],
      ['SORT', 'l', 'BY'],
      ['SORT', 'l', 'GET'],
      ['SORT', 'l', 'STORE'],
      ['SORT_RO', 'l', 'STORE', 'd'],
      ['SORT_RO', 'str'],
      ['SORT'],
      ['SORT_RO'],
    ]);
  });

  test('SORT_RO', async () => {
    await both([
      ...DATA,
      ['SORT_RO', 'l'],
      ['SORT_RO', 'z', 'BY', 'w_*', 'GET', '#', 'GET', 'n_*', 'DESC', 'LIMIT', '1', '2'],
      ['SORT_RO', 'al', 'ALPHA'],
    ]);
  });

  test('BY nosort over a hashtable set returns every member', async () => {
    const [, k] = await d.clients(2);
    await d.run([['SADD', 's', 'x', 'y', 'z', 'w']]);
    const r = await k.send(['SORT', 's', 'BY', 'nosort']);
    const lines = r.split('\r\n');
    expect(lines[0]).toBe('*4');
    expect([lines[2], lines[4], lines[6], lines[8]].sort()).toEqual(['w', 'x', 'y', 'z']);
  });

  // Redis checks a stale errno after strtod: once a value overflowed, later
  // numeric sorts in the same event-loop turn may fail too. Keep these last.
  test('values out of the double range', async () => {
    await d.run([
      ['RPUSH', 'l', '1e400', '1'],
      ['SORT', 'l', 'ALPHA'],
      ['SORT', 'l'],
      ['RPUSH', 'l2', '4.9e-324', '1'],
      ['SORT', 'l2'],
    ]);
  });
});
