import { expect, test } from 'vitest';
import { differential, show } from './helpers/diff';
import { encode, exchangeRaw, type RawClient } from './helpers/resp';

const d = differential();

/** Parses a CLIENT LIST/INFO bulk (or verbatim) reply into one field map per line. */
function parseClients(reply: string): Map<string, string>[] {
  const body = reply.slice(reply.indexOf('\r\n') + 2, -2).replace(/^txt:/, '');
  return body
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => new Map(l.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string])));
}

/** Fields that must be equal on both servers for an equivalent connection. */
const STABLE = ['name', 'age', 'idle', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'qbuf', 'argv-mem', 'multi-mem', 'obl', 'oll', 'omem', 'events', 'cmd', 'user', 'redir', 'resp'];

function expectSameClient(r: Map<string, string>, k: Map<string, string>): void {
  expect([...k.keys()]).toEqual([...r.keys()]);
  for (const f of STABLE) expect(`${f}=${k.get(f)}`).toBe(`${f}=${r.get(f)}`);
}

test('CLIENT ID, SETNAME, GETNAME', async () => {
  const [r, k] = await d.both(['CLIENT', 'ID']);
  expect(r).toMatch(/^:\d+\r\n$/);
  expect(k).toMatch(/^:\d+\r\n$/);
  const cmds = [
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME', 'alpha-1'],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME', 'a b'],
    ['CLIENT', 'SETNAME', 'a\nb'],
    ['CLIENT', 'SETNAME', '\x00\xff'],
    ['CLIENT', 'SETNAME', 'é'],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME', ''],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME'],
    ['CLIENT', 'SETNAME', 'a', 'b'],
    ['CLIENT', 'GETNAME', 'x'],
    ['CLIENT', 'ID', 'x'],
    ['CLIENT'],
    ['CLIENT', 'NOSUCH'],
    ['client', 'help'],
  ];
  await d.run(cmds);
  await d.run(cmds, { resp: 3 });
});

test('CLIENT INFO and CLIENT LIST fields', async () => {
  await d.run([['CLIENT', 'SETNAME', 'lister'], ['SELECT', '3']]);
  for (const resp of [2, 3] as const) {
    const [ri, ki] = await d.both(['CLIENT', 'INFO'], { resp });
    expect(ki.startsWith(resp === 3 ? '=' : '$')).toBe(true);
    expectSameClient(parseClients(ri)[0], parseClients(ki)[0]);
  }
  const [r, k] = await d.both(['CLIENT', 'INFO']);
  const mine = parseClients(k)[0];
  expect(mine.get('name')).toBe('lister');
  expect(mine.get('db')).toBe('3');
  expect(mine.get('cmd')).toBe('client|info');
  expect(parseClients(r)[0].get('cmd')).toBe('client|info');

  // Another connection in MULTI, with a queued command, in RESP3.
  const [r2, k2] = await d.connect(3);
  for (const c of [r2, k2]) {
    await c.send(['MULTI']);
    await c.send(['SET', 'a', 'b']);
  }
  const [rl, kl] = await d.both(['CLIENT', 'LIST']);
  const rc = parseClients(rl);
  const kc = parseClients(kl);
  expect(kc.length).toBe(d.kevy.server.clients.size);
  const other = (cs: Map<string, string>[]) => cs.find((m) => m.get('multi') === '1')!;
  const ro = other(rc);
  const ko = other(kc);
  for (const f of ['flags', 'multi', 'resp', 'cmd', 'db', 'name']) expect(`${f}=${ko.get(f)}`).toBe(`${f}=${ro.get(f)}`);
  expect(Number(ko.get('multi-mem'))).toBeGreaterThan(0);
  // The own line lists this very command.
  const self = (cs: Map<string, string>[]) => cs.find((m) => m.get('name') === 'lister')!;
  expectSameClient(self(rc), self(kc));

  // LIST ID / TYPE
  const id = ko.get('id')!;
  const [, byId] = await d.both(['CLIENT', 'LIST', 'ID', id, '999999']);
  expect(parseClients(byId).map((m) => m.get('id'))).toEqual([id]);
  await d.run([
    ['CLIENT', 'LIST', 'TYPE', 'replica'],
    ['CLIENT', 'LIST', 'TYPE', 'slave'],
    ['CLIENT', 'LIST', 'TYPE', 'master'],
    ['CLIENT', 'LIST', 'TYPE', 'pubsub'],
    ['CLIENT', 'LIST', 'TYPE', 'foo'],
    ['CLIENT', 'LIST', 'TYPE'],
    ['CLIENT', 'LIST', 'ID', 'abc'],
    ['CLIENT', 'LIST', 'ID', '999999'],
    ['CLIENT', 'LIST', 'ID'],
    ['CLIENT', 'LIST', 'TYPE', 'normal', 'ID', '1'],
    ['CLIENT', 'LIST', 'foo'],
    ['CLIENT', 'INFO', 'x'],
  ]);
  const [, normal] = await d.both(['CLIENT', 'LIST', 'TYPE', 'NORMAL']);
  expect(parseClients(normal).length).toBe(d.kevy.server.clients.size);
  // A subscriber is listed as pubsub, with its counts.
  const [rs, ks] = await d.connect();
  for (const c of [rs, ks]) {
    await c.send(['SUBSCRIBE', 'ch1', 'ch2']);
    await c.next();
    await c.send(['PSUBSCRIBE', 'p*']);
  }
  const [rp, kp] = await d.both(['CLIENT', 'LIST', 'TYPE', 'pubsub']);
  const rpc = parseClients(rp);
  const kpc = parseClients(kp);
  expect(kpc.length).toBe(1);
  for (const f of ['flags', 'sub', 'psub', 'ssub', 'cmd']) expect(`${f}=${kpc[0].get(f)}`).toBe(`${f}=${rpc[0].get(f)}`);
});

test('CLIENT NO-EVICT and CLIENT REPLY', async () => {
  await d.run([
    ['CLIENT', 'NO-EVICT', 'on'],
    ['CLIENT', 'NO-EVICT', 'maybe'],
    ['CLIENT', 'NO-EVICT'],
    ['CLIENT', 'REPLY', 'maybe'],
    ['CLIENT', 'REPLY'],
  ]);
  const [r, k] = await d.both(['CLIENT', 'INFO']);
  expect(parseClients(k)[0].get('flags')).toBe('e');
  expect(parseClients(r)[0].get('flags')).toBe('e');
  await d.run([['CLIENT', 'NO-EVICT', 'OFF']]);

  const [a, b] = await d.connect();
  const script = (cmds: string[][]) => Buffer.concat(cmds.map((c) => encode(c)));
  const off = script([['CLIENT', 'REPLY', 'OFF'], ['PING'], ['SET', 'x', '1'], ['CLIENT', 'REPLY', 'ON'], ['GET', 'x']]);
  expect(await b.sendMany(off, 2)).toEqual(await a.sendMany(off, 2));
  const skip = script([['CLIENT', 'REPLY', 'SKIP'], ['PING', 'skipped'], ['PING', 'seen']]);
  expect(await b.sendMany(skip, 1)).toEqual(await a.sendMany(skip, 1));
  const skipOff = script([['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'OFF'], ['PING'], ['CLIENT', 'REPLY', 'ON']]);
  expect(await b.sendMany(skipOff, 1)).toEqual(await a.sendMany(skipOff, 1));
  // Replies written outside the command itself (a rejection, +QUEUED) are dropped too, and use up a
  // skip; SKIP run while skipped skips the next command as well. Anything extra shows as unasked.
  const same = async (cmds: string[][], n: number) => {
    const want = await a.sendMany(script(cmds), n);
    const got = await b.sendMany(script(cmds), n);
    await new Promise((r) => setTimeout(r, 30));
    expect([got, b.unsolicited.splice(0)]).toEqual([want, a.unsolicited.splice(0)]);
  };
  await same([['CLIENT', 'REPLY', 'OFF'], ['FOO'], ['GET'], ['MULTI'], ['PING'], ['DISCARD'], ['CLIENT', 'REPLY', 'ON'], ['PING', 'x']], 2);
  await same([['CLIENT', 'REPLY', 'SKIP'], ['FOO'], ['PING', 'p1'], ['PING', 'p2']], 2);
  await same([['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'SKIP'], ['PING', 'a'], ['PING', 'b']], 1);
  await same([['CLIENT', 'REPLY', 'SKIP'], ['MULTI'], ['PING'], ['EXEC']], 2);
  await same([['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', 'ON'], ['PING', 'c']], 1);
});

test('CLIENT REPLY queued in MULTI acts per command read, not per command EXEC runs', async () => {
  // Raw bytes up to a last PING: EXEC's header counts a queued SKIP or OFF, which answers
  // nothing, so the elements that follow are fewer than announced, in Redis too.
  for (const story of [
    'MULTI; CLIENT REPLY SKIP; SET a 1; EXEC; PING p1; PING p2', // EXEC in full, then p1 skipped
    'MULTI; CLIENT REPLY SKIP; CLIENT REPLY ON; EXEC; PING p1', // ON leaves the pending skip
    'MULTI; CLIENT REPLY SKIP; PING a; CLIENT REPLY SKIP; EXEC; PING p1; PING p2',
    'MULTI; CLIENT REPLY OFF; SET a 1; EXEC; PING p1; CLIENT REPLY ON', // the rest of EXEC dropped
    'CLIENT REPLY OFF; MULTI; CLIENT REPLY ON; PING a; CLIENT REPLY OFF; PING b; EXEC; PING p1; CLIENT REPLY ON',
    'CLIENT REPLY SKIP; RESET; MULTI; CLIENT REPLY SKIP; EXEC; RESET; CLIENT REPLY OFF; RESET', // RESET keeps a skip
    // OFF and SKIP set at once (SKIP_NEXT becomes SKIP after EXEC, under OFF too): RESET clears
    // OFF and leaves SKIP, so its +RESET is dropped; CLIENT REPLY ON clears both.
    'MULTI; CLIENT REPLY SKIP; CLIENT REPLY OFF; EXEC; RESET; PING p1',
    'MULTI; CLIENT REPLY SKIP; CLIENT REPLY OFF; EXEC; PING p0; CLIENT REPLY ON; PING p1',
  ]) {
    const cmds = [...story.split('; '), 'PING end'].map((c) => encode(c.split(' ')));
    const [r, k] = await Promise.all([d.redisPort, d.kevyPort].map((p) => exchangeRaw(p, Buffer.concat(cmds), '$3\r\nend\r\n')));
    expect(show(k), story).toBe(show(r));
  }
});

test('an empty command (*0, *-1, a blank line) ends a CLIENT REPLY SKIP and a CLIENT CACHING, as Redis 7.0 does', async () => {
  // Redis's processInputBuffer calls resetClient for a command of no arguments.
  const raw = (s: string): Buffer => Buffer.from(s, 'latin1');
  for (const bytes of [
    'CLIENT REPLY SKIP\r\n\r\nPING b\r\n',
    'CLIENT REPLY SKIP\r\n   \r\nPING b\r\n',
    'CLIENT REPLY SKIP\r\n*0\r\nPING b\r\n',
    'CLIENT REPLY SKIP\r\n*-1\r\nPING b\r\n',
    'MULTI\r\nCLIENT REPLY SKIP\r\nEXEC\r\n*0\r\nPING b\r\n',
    'MULTI\r\n*0\r\nPING a\r\nEXEC\r\nPING b\r\n',
    // OPTIN: CACHING yes covers the next command; an empty one uses it up (no invalidation then).
    'HELLO 3\r\nCLIENT TRACKING ON OPTIN\r\nCLIENT CACHING yes\r\n\r\nGET ck\r\nSET ck 1\r\nPING b\r\n',
    'HELLO 3\r\nCLIENT TRACKING ON OPTIN\r\nCLIENT CACHING yes\r\nGET ck\r\nSET ck 1\r\nPING b\r\n',
  ]) {
    const [r, k] = await Promise.all([d.redisPort, d.kevyPort].map((p) => exchangeRaw(p, raw(bytes + 'PING end\r\n'), 'end\r\n')));
    // HELLO's map (server version, client id) differs: compared from the reply after it.
    const afterHello = (x: string): string => x.replace(/^%7\r\n[\s\S]*?\$7\r\nmodules\r\n\*0\r\n/, 'HELLO ');
    expect(show(afterHello(k)), bytes).toBe(show(afterHello(r)));
  }
});

test('CLIENT REPLY OFF / SKIP: a protocol error or QUIT answers nothing and leaves the connection open', async () => {
  // Redis's setProtocolError and QUIT set CLIENT_CLOSE_AFTER_REPLY, but only a write closes the
  // connection: with the reply dropped and nothing else pending none comes, and later input is not
  // read. Each story is a list of writes; what arrives and whether the connection closed must match.
  const stories: string[][] = [
    ['CLIENT REPLY OFF\r\n*abc\r\n', 'PING\r\n'],
    ['CLIENT REPLY SKIP\r\n*1\r\n$abc\r\n', 'PING\r\n'],
    ['PING\r\nCLIENT REPLY OFF\r\n*abc\r\n'], // +PONG pending: written, then closed
    ['CLIENT REPLY OFF\r\nQUIT\r\n', 'PING\r\n'],
    ['CLIENT REPLY SKIP\r\nQUIT\r\nPING\r\n'],
    ['*abc\r\n'], // replies on: the error, then closed
  ];
  for (const writes of stories) {
    const [a, b] = await d.connect();
    for (const w of writes) {
      await Promise.all([a.sendMany(w, 0), b.sendMany(w, 0)]);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([b.unsolicited, b.closed], JSON.stringify(writes)).toEqual([a.unsolicited, a.closed]);
  }
});

test('a connection left open by QUIT or a protocol error under CLIENT REPLY OFF drops a later push and closes', async () => {
  // Redis adds nothing to a CLIENT_CLOSE_AFTER_REPLY client's output (_addReplyToBufferOrList), but
  // a push (prepareClientToWrite lets it through REPLY OFF) queues the client for a write, which
  // finds nothing pending and frees it (writeToClient). Each story: the writes (a pause after
  // each), then another connection's command that pushes to it, twice.
  const stories: { resp: 2 | 3; writes: string[]; trigger: string[] }[] = [
    { resp: 2, writes: ['CLIENT REPLY OFF\r\nSUBSCRIBE c\r\n', 'QUIT\r\n'], trigger: ['PUBLISH', 'c', 'm'] },
    { resp: 2, writes: ['CLIENT REPLY OFF\r\nPSUBSCRIBE c*\r\n', '*abc\r\n'], trigger: ['PUBLISH', 'cx', 'm'] },
    { resp: 3, writes: ['SUBSCRIBE c\r\nCLIENT REPLY OFF\r\n', 'CLIENT REPLY SKIP\r\n*1\r\n$x\r\n'], trigger: ['PUBLISH', 'c', 'm'] },
    { resp: 3, writes: ['CLIENT TRACKING on\r\nGET k\r\nCLIENT REPLY OFF\r\n', 'QUIT\r\n'], trigger: ['SET', 'k', 'v'] },
    { resp: 3, writes: ['CLIENT TRACKING on BCAST\r\nCLIENT REPLY OFF\r\n', 'QUIT\r\n'], trigger: ['SET', 'k', 'v'] },
  ];
  for (const { resp, writes, trigger } of stories) {
    const [a, b] = await d.connect(resp);
    const [pa, pb] = await d.connect();
    for (const w of writes) {
      await Promise.all([a.sendMany(w, 0), b.sendMany(w, 0)]);
      await new Promise((r) => setTimeout(r, 100));
    }
    const out: unknown[][] = [[[...a.unsolicited], a.closed], [[...b.unsolicited], b.closed]];
    for (let i = 0; i < 2; i++) {
      const [ra, rb] = await Promise.all([pa.send(trigger), pb.send(trigger)]);
      await new Promise((r) => setTimeout(r, 100));
      out[0].push(ra, [...a.unsolicited], a.closed);
      out[1].push(rb, [...b.unsolicited], b.closed);
    }
    expect(out[1], JSON.stringify(writes)).toEqual(out[0]);
    await d.run([['DEL', 'k']]);
  }
});

test('CLIENT KILL of itself or QUIT inside MULTI: the rest of the EXEC array is not sent, as in Redis', async () => {
  // CLIENT_CLOSE_AFTER_REPLY is set once the command's own reply is queued; nothing is added after it.
  for (const kill of [true, false]) {
    const [a, b] = await d.connect();
    const ids = await Promise.all([a.send(['CLIENT', 'ID']), b.send(['CLIENT', 'ID'])]);
    const story = (id: string): Buffer =>
      Buffer.concat([['MULTI'], kill ? ['CLIENT', 'KILL', 'ID', id.slice(1, -2), 'SKIPME', 'no'] : ['QUIT'], ['PING', 'after'], ['EXEC'], ['PING']].map((x) => encode(x)));
    await Promise.all([a.sendMany(story(ids[0]), 0), b.sendMany(story(ids[1]), 0)]);
    await new Promise((r) => setTimeout(r, 100));
    expect([b.unsolicited, b.closed], kill ? 'CLIENT KILL' : 'QUIT').toEqual([a.unsolicited, a.closed]);
  }
});

test('timeout counts every read as activity: a command sent a byte at a time is not idle, as in Redis', async () => {
  await d.run([['CONFIG', 'SET', 'timeout', '1']]);
  try {
    const [a, b] = await d.connect();
    const parts = ['*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$4\r\n', 'a', 'b', 'c'];
    for (const part of parts) {
      await Promise.all([a.sendMany(part, 0), b.sendMany(part, 0)]);
      await new Promise((r) => setTimeout(r, 700)); // 2.8 s in all, more than the timeout between two commands
    }
    expect([a.closed, b.closed]).toEqual([false, false]);
    const [ra, rb] = await Promise.all([a.sendMany('d\r\n', 1), b.sendMany('d\r\n', 1)]);
    expect([rb, b.closed]).toEqual([ra, a.closed]);
    expect(ra).toEqual(['+OK\r\n']);
  } finally {
    await d.run([['CONFIG', 'SET', 'timeout', '0']]);
  }
});

test('CLIENT KILL', async () => {
  await d.run([
    ['CLIENT', 'KILL', '1.2.3.4:5'],
    ['CLIENT', 'KILL', 'ID', '999999'],
    ['CLIENT', 'KILL', 'ID', '0'],
    ['CLIENT', 'KILL', 'ID', '-1'],
    ['CLIENT', 'KILL', 'ID', 'abc'],
    ['CLIENT', 'KILL', 'ID', '1', 'ID'],
    ['CLIENT', 'KILL', 'foo', 'bar'],
    ['CLIENT', 'KILL', 'SKIPME', 'maybe'],
    ['CLIENT', 'KILL', 'TYPE', 'foo'],
    ['CLIENT', 'KILL', 'USER', 'nobody'],
    ['CLIENT', 'KILL', 'ADDR', 'x', 'SKIPME', 'no'],
    ['CLIENT', 'KILL', 'LADDR', '127.0.0.1:1', 'TYPE', 'pubsub'],
    ['CLIENT', 'KILL', 'MAXAGE', '1'],
    ['CLIENT', 'KILL'],
    ['CLIENT', 'KILL', 'TYPE', 'master'],
  ]);
  // Kill another connection by id, by addr (old form) and by type.
  const victims = async (): Promise<[RawClient, RawClient, string, string]> => {
    const [rv, kv] = await d.connect();
    const [ri, ki] = await Promise.all([rv.send(['CLIENT', 'INFO']), kv.send(['CLIENT', 'INFO'])]);
    return [rv, kv, parseClients(ri)[0].get('id')!, parseClients(ki)[0].get('id')!];
  };
  const [rc, kc] = await d.clients();
  let [rv, kv, rid, kid] = await victims();
  expect(await kc.send(['CLIENT', 'KILL', 'ID', kid])).toBe(await rc.send(['CLIENT', 'KILL', 'ID', rid]));
  expect(await kv.send(['PING'])).toBe('<closed>');
  expect(await rv.send(['PING'])).toBe('<closed>');

  [rv, kv] = await victims();
  const addr = async (c: RawClient) => parseClients(await c.send(['CLIENT', 'INFO']))[0].get('addr')!;
  const [ra, ka] = [await addr(rv), await addr(kv)];
  expect(await kc.send(['CLIENT', 'KILL', ka])).toBe('+OK\r\n');
  expect(await rc.send(['CLIENT', 'KILL', ra])).toBe('+OK\r\n');
  expect(await kv.send(['PING'])).toBe('<closed>');

  // SKIPME yes (the default) spares the caller; the old form may kill it.
  const [rs, ks] = await d.connect();
  const own = async (c: RawClient) => parseClients(await c.send(['CLIENT', 'INFO']))[0];
  const [rown, kown] = [await own(rs), await own(ks)];
  expect(await ks.send(['CLIENT', 'KILL', 'ID', kown.get('id')!])).toBe(':0\r\n');
  expect(await rs.send(['CLIENT', 'KILL', 'ID', rown.get('id')!])).toBe(':0\r\n');
  expect(await ks.send(['CLIENT', 'KILL', 'ID', kown.get('id')!, 'SKIPME', 'no'])).toBe(':1\r\n');
  expect(await rs.send(['CLIENT', 'KILL', 'ID', rown.get('id')!, 'SKIPME', 'no'])).toBe(':1\r\n');
  expect(await ks.send(['PING'])).toBe('<closed>');

  // TYPE pubsub kills only subscribers; USER default everyone else.
  const [rsub, ksub] = await d.connect();
  await Promise.all([rsub.send(['SUBSCRIBE', 'c']), ksub.send(['SUBSCRIBE', 'c'])]);
  await d.run([['CLIENT', 'KILL', 'TYPE', 'pubsub']]);
  expect(await ksub.send(['PING'])).toBe('<closed>');
  const others = d.kevy.server.clients.size - 1;
  const [, n] = await d.both(['CLIENT', 'KILL', 'USER', 'default']);
  expect(n).toBe(`:${others}\r\n`);
});

test('CLIENT PAUSE WRITE holds writes until the pause ends, in order', async () => {
  await d.run([
    ['CLIENT', 'PAUSE', 'abc'],
    ['CLIENT', 'PAUSE', '-1'],
    ['CLIENT', 'PAUSE', '10', 'foo'],
    ['CLIENT', 'PAUSE', '1', 'WRITE', 'x'],
    ['CLIENT', 'PAUSE'],
    ['CLIENT', 'PAUSE', '99999999999999999999'],
    ['CLIENT', 'UNPAUSE', 'x'],
  ]);
  for (const name of ['redis', 'kevy'] as const) {
    const pick = (p: [RawClient, RawClient]) => (name === 'redis' ? p[0] : p[1]);
    const a = pick(await d.connect());
    const b = pick(await d.connect());
    expect(await a.send(['CLIENT', 'PAUSE', '300', 'WRITE'])).toBe('+OK\r\n');
    const t0 = Date.now();
    expect(await b.send(['GET', 'x'])).toBe('$-1\r\n');
    expect(Date.now() - t0, `${name}: reads pass`).toBeLessThan(150);
    const pipelined = b.sendMany(Buffer.concat([encode(['SET', 'x', '1']), encode(['GET', 'x'])]), 2);
    // A transaction that only reads passes; one that writes waits.
    expect(await a.send(['MULTI'])).toBe('+OK\r\n');
    expect(await a.send(['GET', 'x'])).toBe('+QUEUED\r\n');
    expect(await a.send(['EXEC'])).toBe('*1\r\n$-1\r\n');
    expect(await pipelined, name).toEqual(['+OK\r\n', '$1\r\n1\r\n']);
    expect(Date.now() - t0, `${name}: the write waited`).toBeGreaterThanOrEqual(250);
    // UNPAUSE releases the held command at once.
    expect(await a.send(['CLIENT', 'PAUSE', '5000', 'WRITE'])).toBe('+OK\r\n');
    const t1 = Date.now();
    const held = b.send(['DEL', 'x']);
    await new Promise((r) => setTimeout(r, 50));
    expect(await a.send(['CLIENT', 'UNPAUSE'])).toBe('+OK\r\n');
    expect(await held).toBe(':1\r\n');
    expect(Date.now() - t1, `${name}: unpause released it`).toBeLessThan(1000);
  }
});

test('CLIENT PAUSE ALL holds every command, UNPAUSE included', async () => {
  for (const name of ['redis', 'kevy'] as const) {
    const pick = (p: [RawClient, RawClient]) => (name === 'redis' ? p[0] : p[1]);
    const a = pick(await d.connect());
    const b = pick(await d.connect());
    expect(await a.send(['CLIENT', 'PAUSE', '300', 'ALL'])).toBe('+OK\r\n');
    const t0 = Date.now();
    const [ping, unpause] = await Promise.all([b.send(['PING']), a.send(['CLIENT', 'UNPAUSE'])]);
    expect([ping, unpause]).toEqual(['+PONG\r\n', '+OK\r\n']);
    expect(Date.now() - t0, `${name}: held until the timeout`).toBeGreaterThanOrEqual(250);
  }
});
