/**
 * Client side caching against a real Redis 7.0: CLIENT TRACKING options and
 * errors, TRACKINGINFO / GETREDIR / CACHING, invalidation messages in RESP3
 * (push) and RESP2 (redirect to a subscriber), their order after the reply of
 * the client's own command, FLUSHDB's null, BCAST prefixes, NOLOOP, OPTIN /
 * OPTOUT, a broken redirect. Then node-redis's client-side cache on kevy.
 */
import { expect, test } from 'vitest';
import { createClient } from 'redis';
import { differential, show } from './helpers/diff';
import { RawClient, encode } from './helpers/resp';

const d = differential();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the same steps on the redis side and the kevy side; each step's output must match. */
async function sameOnBoth(fn: (pick: <T>(pair: [T, T]) => T) => Promise<string[]>): Promise<void> {
  const a = await fn((p) => p[0]);
  const b = await fn((p) => p[1]);
  expect(b.map(show)).toEqual(a.map(show));
}

/** The pushes/messages a connection received unasked within a short wait. */
async function unasked(conn: RawClient): Promise<string> {
  await sleep(30);
  return conn.unsolicited.splice(0).join('') || '(none)';
}

/**
 * A scenario run on both servers (sameOnBoth) with a client a (RESP3, its
 * tracking under test) and another client b (RESP2, or bResp): step(c, cmd)
 * records the command, its reply and what a received unasked after it.
 */
async function twoClients(
  body: (s: { a: RawClient; b: RawClient; out: string[]; step: (c: RawClient, cmd: string[]) => Promise<void> }) => Promise<void>,
  bResp: 2 | 3 = 2,
): Promise<void> {
  const conns = await d.connect(3);
  const others = await d.connect(bResp);
  await sameOnBoth(async (pick) => {
    const a = pick(conns);
    const b = pick(others);
    const out: string[] = [];
    const step = async (c: RawClient, cmd: string[]): Promise<void> => {
      out.push(cmd.join(' '), await c.send(cmd), 'a:' + (await unasked(a)));
    };
    await body({ a, b, out, step });
    return out;
  });
}

async function clientId(conn: RawClient): Promise<string> {
  return (await conn.send(['CLIENT', 'ID'])).slice(1, -2);
}

test('CLIENT TRACKING options, errors, TRACKINGINFO, GETREDIR, CACHING (RESP2 and RESP3)', async () => {
  const script = [
    'CLIENT TRACKINGINFO', 'CLIENT GETREDIR', 'CLIENT CACHING YES', 'CLIENT TRACKING ON OPTIN', 'CLIENT TRACKINGINFO',
    'CLIENT CACHING YES', 'CLIENT TRACKINGINFO', 'GET k', 'CLIENT TRACKINGINFO', 'CLIENT CACHING YES', 'CLIENT ID',
    'CLIENT TRACKINGINFO', 'CLIENT CACHING NO', 'CLIENT CACHING maybe', 'CLIENT TRACKING ON OPTOUT', 'CLIENT TRACKING ON BCAST',
    'CLIENT TRACKING ON', 'CLIENT TRACKINGINFO', 'CLIENT TRACKING OFF',
    'CLIENT TRACKING ON BCAST PREFIX a PREFIX ab', 'CLIENT TRACKING ON BCAST PREFIX a PREFIX a',
    'CLIENT TRACKING ON BCAST PREFIX a PREFIX b NOLOOP', 'CLIENT TRACKINGINFO', 'CLIENT TRACKING ON BCAST PREFIX ab',
    'CLIENT TRACKING ON BCAST PREFIX c', 'CLIENT TRACKING ON BCAST', 'CLIENT TRACKINGINFO', 'CLIENT CACHING YES', 'CLIENT TRACKING ON',
    'CLIENT TRACKING OFF', 'CLIENT TRACKING ON REDIRECT 999999', 'CLIENT TRACKING ON REDIRECT x', 'CLIENT TRACKING ON REDIRECT 0',
    'CLIENT TRACKING ON REDIRECT -1', 'CLIENT TRACKING ON PREFIX a', 'CLIENT TRACKING MAYBE', 'CLIENT TRACKING ON FOO',
    'CLIENT TRACKING ON PREFIX', 'CLIENT TRACKING OFF REDIRECT 999999', 'CLIENT TRACKING MAYBE REDIRECT 999999',
    'CLIENT TRACKING ON OPTIN OPTOUT', 'CLIENT TRACKING ON BCAST OPTIN', 'CLIENT TRACKING ON BCAST OPTOUT', 'CLIENT TRACKING ON OPTOUT NOLOOP',
    'CLIENT CACHING NO', 'CLIENT TRACKINGINFO', 'CLIENT CACHING YES', 'CLIENT CACHING', 'CLIENT TRACKING', 'CLIENT GETREDIR x',
    'CLIENT TRACKINGINFO x', 'CLIENT TRACKING OFF', 'CLIENT TRACKING OFF', 'CLIENT TRACKINGINFO', 'CLIENT GETREDIR',
  ];
  for (const resp of [2, 3] as const) {
    await d.run(script.map((s) => s.split(' ')), { resp, normalize: (r, cmd) => (cmd[1] === 'ID' ? ':id' : r) });
  }
});

test('CLIENT TRACKING: redirect to self and to another client, GETREDIR and the CLIENT LIST flags', async () => {
  const conns = await d.connect(3);
  const others = await d.connect(2);
  await sameOnBoth(async (pick) => {
    const a = pick(conns);
    const o = pick(others);
    const aid = await clientId(a);
    const oid = await clientId(o);
    const out: string[] = [];
    const norm = (s: string) => s.replace(new RegExp(`^:(${aid}|${oid})\\r\\n`, 'm'), (_m, id) => (id === aid ? ':A\r\n' : ':O\r\n')).replace(/^\d+$/, (id) => (id === aid ? 'A' : id === oid ? 'O' : id));
    out.push(await a.send(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', oid, 'REDIRECT', oid]));
    out.push(await a.send(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', aid]));
    out.push(norm(await a.send(['CLIENT', 'GETREDIR'])));
    out.push(await a.send(['CLIENT', 'TRACKING', 'ON', 'REDIRECT', oid, 'NOLOOP']));
    out.push(norm(await a.send(['CLIENT', 'GETREDIR'])));
    out.push(norm(await a.send(['CLIENT', 'TRACKINGINFO'])));
    const list = await a.send(['CLIENT', 'LIST', 'ID', aid]);
    out.push(/ flags=(\S+) /.exec(list)![1], norm(/ redir=(\S+) /.exec(list)![1]));
    return out;
  });
});

test('default mode, RESP3: reads remembered, invalidation after the own reply, other clients, MULTI, flush, SWAPDB', async () => {
  await twoClients(async ({ a, b, out, step }) => {
    await step(a, ['CLIENT', 'TRACKING', 'ON']);
    await step(a, ['GET', 'k']);
    await step(b, ['SET', 'k', 'v']);
    await step(b, ['SET', 'k', 'w']); // no longer tracked
    await step(a, ['GET', 'k']);
    out.push(...(await a.sendMany(encode(['SET', 'k', 'self']), 1)), 'a:' + (await unasked(a)));
    await step(a, ['MGET', 'k', 'k2', 'k3']);
    out.push(...(await a.sendMany(Buffer.concat([encode(['MULTI']), encode(['SET', 'k', '1']), encode(['GET', 'k2']), encode(['DEL', 'k2', 'k3']), encode(['EXEC'])]), 5)));
    out.push('a:' + (await unasked(a)));
    await step(a, ['HSET', 'h', 'f', 'v']);
    await step(a, ['GET', 'h']); // WRONGTYPE still remembers h
    await step(b, ['HSET', 'h', 'f', 'w']);
    await step(a, ['STRLEN', 'x']);
    await step(a, ['EXISTS', 'y']);
    await step(b, ['SELECT', '1']);
    await step(b, ['MSET', 'x', '1', 'y', '2']); // another database: same names
    await step(b, ['SELECT', '0']);
    await step(a, ['GET', 'z']);
    await step(b, ['SWAPDB', '0', '1']);
    await step(b, ['SET', 'z', '1']);
    await step(a, ['GET', 'z']);
    await step(b, ['FLUSHDB']);
    await step(a, ['FLUSHALL']);
    await step(b, ['SET', 'z', '2']); // the flush emptied the table
    await step(a, ['SET', 'e', '1', 'PX', '20']);
    await step(a, ['GET', 'e']);
    await sleep(40);
    await step(b, ['GET', 'e']); // lazily expired: invalidated
    await step(a, ['SET', 'n', '1']);
    await step(a, ['GET', 'n']);
    await step(b, ['INCR', 'n']);
    await step(a, ['CLIENT', 'TRACKING', 'OFF']);
    await step(a, ['GET', 'n']);
    await step(b, ['INCR', 'n']);
  });
});

test('NOLOOP, OPTIN and OPTOUT with CLIENT CACHING, a transaction after CACHING YES', async () => {
  await twoClients(async ({ a, b, out, step }) => {
    await step(a, ['CLIENT', 'TRACKING', 'ON', 'NOLOOP']);
    await step(a, ['GET', 'n']);
    await step(a, ['SET', 'n', '1']);
    await step(b, ['SET', 'n', '2']);
    await step(a, ['GET', 'n']);
    await step(b, ['SET', 'n', '3']);
    await step(a, ['CLIENT', 'TRACKING', 'OFF']);
    await step(a, ['CLIENT', 'TRACKING', 'ON', 'OPTIN']);
    await step(a, ['GET', 'o1']);
    await step(a, ['CLIENT', 'CACHING', 'YES']);
    await step(a, ['CLIENT', 'GETNAME']);
    await step(a, ['GET', 'o2']);
    await step(a, ['GET', 'o3']);
    await step(b, ['MSET', 'o1', '1', 'o2', '2', 'o3', '3']);
    await step(a, ['CLIENT', 'CACHING', 'YES']);
    out.push(...(await a.sendMany(Buffer.concat([encode(['MULTI']), encode(['GET', 't1']), encode(['GET', 't2']), encode(['EXEC'])]), 4)));
    await step(a, ['GET', 't3']);
    await step(b, ['MSET', 't1', '1', 't2', '2', 't3', '3']);
    await step(a, ['CLIENT', 'TRACKING', 'OFF']);
    await step(a, ['CLIENT', 'TRACKING', 'ON', 'OPTOUT']);
    await step(a, ['GET', 'p1']);
    await step(a, ['CLIENT', 'CACHING', 'NO']);
    await step(a, ['GET', 'p2']);
    await step(b, ['MSET', 'p1', '1', 'p2', '2']);
  });
});

test('RESP2: invalidations on __redis__:invalidate of a subscribed redirect target, null on flush, broken redirect', async () => {
  const conns = await d.connect(2);
  const subs = await d.connect(2);
  const others = await d.connect(2);
  await sameOnBoth(async (pick) => {
    const a = pick(conns);
    const r = pick(subs);
    const b = pick(others);
    const rid = await clientId(r);
    const out: string[] = [];
    const step = async (c: RawClient, cmd: string[]) => {
      out.push(cmd.join(' ').replace(rid, 'R'), await c.send(cmd), 'r:' + (await unasked(r)), 'a:' + (await unasked(a)).replace(`:${rid}\r\n`, ':R\r\n'));
    };
    await step(a, ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', rid]);
    await step(a, ['MGET', 'k1', 'k2']);
    await step(b, ['MSET', 'k1', 'x', 'k2', 'y']); // r is not subscribed: nothing
    await step(a, ['MGET', 'k1', 'k2']);
    await step(r, ['SUBSCRIBE', 'foo']);
    await step(b, ['MSET', 'k1', 'x', 'k2', 'y']);
    await step(a, ['GET', 'k1']);
    await step(b, ['FLUSHALL']);
    await step(a, ['GET', 'k1']);
    r.close();
    await sleep(50);
    await step(b, ['SET', 'k1', 'z']);
    const info = await a.send(['CLIENT', 'TRACKINGINFO']);
    out.push(info.replace(`:${rid}\r\n`, ':R\r\n'));
    const list = await a.send(['CLIENT', 'LIST', 'ID', await clientId(a)]);
    out.push(/ flags=(\S+) /.exec(list)![1]);
    await step(a, ['GET', 'k1']);
    await a.send(['HELLO', '3']);
    await step(b, ['SET', 'k1', 'w']);
    await step(a, ['RESET']);
    await step(a, ['CLIENT', 'TRACKINGINFO']);
    return out;
  });
});

test('BCAST: prefixes, one message per prefix and turn, NOLOOP, flush', async () => {
  await twoClients(async ({ a, b, out, step }) => {
    await step(a, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'y']);
    await step(b, ['MSET', 'y2', '1', 'x1', '1', 'zz', '1', 'x0', '1', 'x1', '2']);
    await step(b, ['DEL', 'x0', 'x1', 'y2', 'zz']);
    await step(a, ['SET', 'x5', '1']);
    await step(a, ['GET', 'x5']); // reads do not matter in BCAST mode
    await step(b, ['INCR', 'x5']);
    await step(a, ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP']);
    await step(a, ['SET', 'x6', '1']);
    await step(b, ['SET', 'x7', '1']);
    await step(b, ['FLUSHDB']);
    await step(a, ['CLIENT', 'TRACKINGINFO']);
    // Redis 7.0 answers an overlap between two new prefixes after the first with an error and +OK.
    await step(a, ['CLIENT', 'TRACKING', 'OFF']);
    out.push(...(await a.sendMany(encode(['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'q', 'PREFIX', 'a', 'PREFIX', 'ab']), 2)));
    await step(a, ['CLIENT', 'TRACKINGINFO']);
    await step(b, ['MSET', 'abc', '1', 'a', '2', 'qq', '3']);
    await step(a, ['CLIENT', 'TRACKING', 'OFF']);
    await step(b, ['SET', 'abc', '2']);
  });
});

test('BCAST: the turn\'s invalidation comes after its replies, a served blocked client\'s pipelined ones included', async () => {
  await twoClients(async ({ a, b, out }) => {
    out.push(await a.send(['CLIENT', 'TRACKING', 'ON', 'BCAST']));
    // Pushes arrive among the replies: the order of the two is what is compared.
    const replies = a.sendMany(encode(['BLPOP', 'q', '0']) + encode(['PING']), 2);
    await sleep(50);
    out.push(await b.send(['RPUSH', 'q', 'job']));
    out.push(...(await replies), 'a:' + (await unasked(a)));
  });
});

test('a blocked client served by a push runs as itself: its invalidations after its reply, NOLOOP, a skipped reply', async () => {
  // b in RESP3: BCAST tracking of its own needs it (or a redirect).
  await twoClients(async ({ a, b, out }) => {
    const variants: [string[], string[], boolean][] = [
      [['ON'], [], false],
      [['ON'], [], true],
      [['ON', 'NOLOOP'], [], false],
      [['ON', 'BCAST', 'NOLOOP'], ['ON', 'BCAST', 'NOLOOP'], false],
    ];
    for (const [mine, theirs, skip] of variants) {
      out.push(await b.send(['DEL', 'l', 'd']), await a.send(['CLIENT', 'TRACKING', 'OFF']), await b.send(['CLIENT', 'TRACKING', 'OFF']));
      out.push(await a.send(['CLIENT', 'TRACKING', ...mine]));
      if (theirs.length !== 0) out.push(await b.send(['CLIENT', 'TRACKING', ...theirs]));
      out.push(await a.send(['GET', 'd']));
      // Sent without waiting: everything a receives is compared below, pushes and replies in order.
      a.sendMany((skip ? encode(['CLIENT', 'REPLY', 'SKIP']) : '') + encode(['BLMOVE', 'l', 'd', 'LEFT', 'RIGHT', '0']) + encode(['PING', 'pa']), 0);
      await sleep(50);
      out.push(await b.send(['RPUSH', 'l', 'v']));
      out.push('a:' + (await unasked(a)), 'b:' + (await unasked(b)));
    }
  }, 3);
});

test('INFO tracking fields', async () => {
  const [, k] = await d.connect(3);
  await k.send(['CLIENT', 'TRACKING', 'ON']);
  await k.send(['MGET', 'a', 'b', 'c']);
  const info = await k.send(['INFO']);
  expect(info).toContain('tracking_clients:1\r\n');
  expect(info).toContain('tracking_total_keys:3\r\n');
  expect(info).toContain('tracking_total_items:3\r\n');
  await k.send(['CLIENT', 'TRACKING', 'OFF']);
  expect(await k.send(['INFO', 'clients'])).toContain('tracking_clients:0\r\n');
});

test('tracking-table-max-keys: the oldest keys are forgotten and invalidated', async () => {
  const [, k] = await d.connect(3);
  await k.send(['CONFIG', 'SET', 'tracking-table-max-keys', '2']);
  try {
    await k.send(['CLIENT', 'TRACKING', 'ON']);
    await k.send(['MGET', 'a', 'b', 'c']);
    expect(await unasked(k)).toBe('>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n');
    expect(await k.send(['INFO', 'stats'])).toContain('tracking_total_keys:2\r\n');
  } finally {
    await k.send(['CONFIG', 'SET', 'tracking-table-max-keys', '1000000']);
  }
});

test("node-redis client-side cache: hits, then invalidation by another client's write", async () => {
  const client = createClient({ url: `redis://127.0.0.1:${d.kevyPort}`, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0, evictPolicy: 'LRU' } });
  const writer = createClient({ url: `redis://127.0.0.1:${d.kevyPort}` });
  await Promise.all([client.connect(), writer.connect()]);
  try {
    await writer.set('csc', 'v1');
    expect(await client.get('csc')).toBe('v1');
    expect(await client.get('csc')).toBe('v1');
    const cache = client.clientSideCache!;
    expect(cache.stats().hitCount).toBe(1);
    await writer.set('csc', 'v2');
    for (let i = 0; i < 50 && cache.size() > 0; i++) await sleep(10);
    expect(cache.size()).toBe(0);
    expect(await client.get('csc')).toBe('v2');
    expect(await client.get('csc')).toBe('v2');
    expect(cache.stats().hitCount).toBe(2);
    await writer.flushAll();
    for (let i = 0; i < 50 && cache.size() > 0; i++) await sleep(10);
    expect(cache.size()).toBe(0);
    expect(await client.get('csc')).toBe(null);
  } finally {
    await Promise.all([client.quit(), writer.quit()]);
  }
});
