import { expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';
import { encode, RawClient } from './helpers/resp';
import { startKevy, startRedis } from './helpers/servers';

const d = differential();

/** rdb_changes_since_last_save of a raw INFO reply. */
function dirtyOf(info: string): number {
  return Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
}

/** Runs cmds on both servers and expects server.dirty to move by the same amount. */
async function sameDirty(cmds: Cmd[]): Promise<void> {
  const [a0, b0] = await d.both(['INFO', 'persistence']);
  await d.run(cmds);
  const [a1, b1] = await d.both(['INFO', 'persistence']);
  expect(dirtyOf(b1) - dirtyOf(b0), `dirty after ${JSON.stringify(cmds)}`).toBe(dirtyOf(a1) - dirtyOf(a0));
}

test('dbsize, flushdb, flushall', async () => {
  await d.run([
    ['DBSIZE'],
    ['SET', 'a', '1'],
    ['SET', Buffer.from([0, 0xff, 0x0d]), ''],
    ['DBSIZE'],
    ['DBSIZE', 'x'],
    ['SELECT', '3'],
    ['SET', 'b', '2'],
    ['DBSIZE'],
    ['FLUSHDB'],
    ['DBSIZE'],
    ['SELECT', '0'],
    ['DBSIZE'],
    ['FLUSHDB', 'x'],
    ['FLUSHDB', 'sync', 'async'],
    ['FLUSHDB', 'ASYNC'],
    ['DBSIZE'],
    ['SET', 'a', '1'],
    ['FLUSHALL', 'SYNC'],
    ['FLUSHALL', 'nope'],
    ['FLUSHALL', 'async', 'x'],
    ['FLUSHALL', 'Async'],
    ['DBSIZE'],
  ]);
  await d.run([['SET', 'a', '1'], ['DBSIZE'], ['FLUSHALL'], ['DBSIZE']], { resp: 3 });
});

test('flush and swapdb count changes as Redis does', async () => {
  await sameDirty([['FLUSHDB']]);
  await sameDirty([['FLUSHALL']]);
  await sameDirty([['SET', 'a', '1'], ['SET', 'b', '1'], ['FLUSHDB']]);
  await sameDirty([['SET', 'a', '1'], ['SELECT', '2'], ['SET', 'b', '1'], ['SELECT', '0'], ['FLUSHALL']]);
  await sameDirty([['SWAPDB', '0', '1'], ['SWAPDB', '0', '0'], ['SWAPDB', '0', '99']]);
  await sameDirty([['FLUSHALL', 'bad']]);
  await sameDirty([['FUNCTION', 'FLUSH'], ['SCRIPT', 'FLUSH'], ['FUNCTION', 'FLUSH', 'bad']]);
});

test('swapdb', async () => {
  await d.run([
    ['SET', 'k0', 'in0'],
    ['SELECT', '1'],
    ['SET', 'k1', 'in1'],
    ['SWAPDB', '0', '1'],
    ['GET', 'k0'],
    ['GET', 'k1'],
    ['SELECT', '0'],
    ['GET', 'k1'],
    ['DBSIZE'],
    ['SWAPDB', '0', '0'],
    ['GET', 'k1'],
    ['SWAPDB'],
    ['SWAPDB', '0'],
    ['SWAPDB', '0', '1', '2'],
    ['SWAPDB', 'a', 'b'],
    ['SWAPDB', '0', 'b'],
    ['SWAPDB', '0', '16'],
    ['SWAPDB', '-1', '0'],
    ['SWAPDB', '0', '-1'],
    ['SWAPDB', '2147483648', '0'],
    ['SWAPDB', '0', '99999999999999999999'],
    ['SWAPDB', '1.5', '0'],
    ['SWAPDB', ' 1', '0'],
    ['SWAPDB', '', '0'],
  ]);
  await d.run([['SWAPDB', '0', '1'], ['SWAPDB', 'x', '1']], { resp: 3 });
});

test('swapdb touches watched keys of both databases', async () => {
  await d.run([
    ['SELECT', '1'],
    ['SET', 'w', 'x'],
    ['SELECT', '0'],
    ['WATCH', 'w'],
    ['SWAPDB', '0', '1'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
    ['WATCH', 'nothere'],
    ['SWAPDB', '0', '1'],
    ['MULTI'],
    ['PING'],
    ['EXEC'],
  ]);
});

test('time and lastsave', async () => {
  const [ra, rb] = await d.both(['TIME']);
  const re = /^\*2\r\n\$10\r\n(\d{10})\r\n\$\d\r\n(\d{1,6})\r\n$/;
  expect(ra).toMatch(re);
  expect(rb).toMatch(re);
  const [, sec, usec] = re.exec(rb)!;
  expect(Math.abs(Number(sec) + Number(usec) / 1e6 - Date.now() / 1000)).toBeLessThan(2);
  const [la, lb] = await d.both(['LASTSAVE']);
  expect(la).toMatch(/^:\d{10}\r\n$/);
  expect(lb).toMatch(/^:\d{10}\r\n$/);
  // No save yet: the start time of the server, so not in the future.
  expect(Number(lb.slice(1))).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  await d.run([['TIME', 'x'], ['LASTSAVE', 'x']]);
  const [r3a, r3b] = await d.both(['TIME'], { resp: 3 });
  expect(r3b.slice(0, 8)).toBe(r3a.slice(0, 8));
});

test('shutdown argument errors', async () => {
  await d.run([
    ['SHUTDOWN', 'ABORT'],
    ['SHUTDOWN', 'abort', 'abort'],
    ['SHUTDOWN', 'foo'],
    ['SHUTDOWN', 'NOSAVE', 'SAVE'],
    ['SHUTDOWN', 'SAVE', 'ABORT'],
    ['SHUTDOWN', 'NOW', 'ABORT'],
    ['SHUTDOWN', 'FORCE', 'ABORT'],
    ['SHUTDOWN', 'ABORT', 'NOSAVE'],
    ['SHUTDOWN', 'NOW', 'bad'],
  ]);
});

test('shutdown closes every client and runs the exit hooks', async () => {
  const redis = await startRedis();
  const kevy = await startKevy();
  let exited = 0;
  kevy.server.onExit.push(() => exited++);
  try {
    for (const port of [redis.port, kevy.port]) {
      const other = await RawClient.connect(port);
      const c = await RawClient.connect(port);
      expect(await other.send(['PING'])).toBe('+PONG\r\n');
      // No reply to SHUTDOWN itself: the connection closes.
      expect(await c.send(['SHUTDOWN', 'NOSAVE'])).toBe('<closed>');
      expect(await other.send(['PING'])).toBe('<closed>');
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(exited).toBe(1);
    expect(kevy.server.shuttingDown).toBe(true);
  } finally {
    await Promise.all([redis.stop(), kevy.close()]);
  }
});

/** What a monitor received, its timestamps, client addresses and TIME replies masked. */
function monitorFeed(lines: string[]): string {
  return lines
    .join('')
    .replace(/^\+\d{10}\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]/gm, '+T [$1 ADDR]')
    .replace(/^\*2\r\n\$10\r\n\d+\r\n\$\d\r\n\d+\r\n/gm, '<time>');
}

test('monitor shows what other clients run, quoted as Redis does', async () => {
  const [ma, mb] = await d.connect();
  const [oa, ob] = await d.connect();
  await d.run([['SET', 'seen', 'before']]);
  const runBoth = async (cmd: Cmd) => Promise.all([oa.send(cmd), ob.send(cmd)]);
  expect(await Promise.all([ma.send(['MONITOR']), mb.send(['MONITOR'])])).toEqual(['+OK\r\n', '+OK\r\n']);
  const cmds: Cmd[] = [
    ['SET', Buffer.from('k\x00\xff"\\\n\r\t\x07\x08 é', 'latin1'), 'v'],
    ['SELECT', '2'],
    ['GET', 'k'],
    ['AUTH', 'secret'],
    ['AUTH', 'user', 'secret'],
    ['HELLO', '2', 'AUTH', 'default', 'pw'],
    ['HELLO', '2', 'SETNAME', 'n'],
    ['CONFIG', 'GET', 'port'],
    ['DEBUG', 'SLEEP', '0'],
    ['NOSUCHCMD'],
    ['GET'],
    ['MULTI'],
    ['INCR', '12'],
    ['EXEC'],
    ['SELECT', '0'],
    ['PING'],
  ];
  for (const c of cmds) await runBoth(c);
  // Feed lines travel on another socket than the replies: let them arrive first.
  await new Promise((r) => setTimeout(r, 50));
  // Commands from the monitoring client itself: keyspace ones are refused, others fed.
  const own: Cmd[] = [['PING'], ['TIME'], ['GET', 'seen'], ['DBSIZE'], ['SET', 'x', 'y'], ['MONITOR']];
  for (const c of own) {
    if (c[0] === 'MONITOR') {
      // A second MONITOR gets no reply at all: send it without waiting for one.
      await Promise.all([ma.sendMany('*1\r\n$7\r\nMONITOR\r\n', 0), mb.sendMany('*1\r\n$7\r\nMONITOR\r\n', 0)]);
      continue;
    }
    const [ra, rb] = await Promise.all([ma.send(c), mb.send(c)]);
    if (c[0] !== 'TIME') expect(rb, String(c[0])).toBe(ra);
  }
  await runBoth(['ECHO', 'last']);
  await new Promise((r) => setTimeout(r, 100));
  expect(monitorFeed(mb.unsolicited)).toBe(monitorFeed(ma.unsolicited));
  expect(mb.unsolicited.length).toBeGreaterThan(10);
});

test("monitor: the monitor's own CLIENT REPLY OFF / SKIP drops its feed lines", async () => {
  await d.scenario(async (open) => {
    const m = await open();
    const o = await open();
    // Everything the monitor gets is read as unasked: replies and lines interleave.
    const monitorRuns = async (...cmds: Cmd[]) => {
      await m.sendMany(Buffer.concat(cmds.map((c) => encode(c))), 0);
      await new Promise((r) => setTimeout(r, 30));
    };
    await monitorRuns(['MONITOR'], ['CLIENT', 'REPLY', 'OFF']);
    await o.send(['PING', 'x']); // not shown
    await monitorRuns(['CLIENT', 'REPLY', 'ON']); // +OK, then its own line
    await o.send(['PING', 'z']);
    await monitorRuns(['CLIENT', 'REPLY', 'SKIP'], ['PING', 'y'], ['PING', 'w']); // PING y: no +PONG, no line
    await o.send(['PING', 'v']);
    await new Promise((r) => setTimeout(r, 30));
    return [monitorFeed(m.unsolicited)];
  });
});

test('monitor: RESET ends it, MONITOR inside MULTI is refused, wrong arity', async () => {
  await d.run([['MONITOR', 'x'], ['MULTI'], ['MONITOR'], ['EXEC']]);
  const [ma, mb] = await d.connect();
  await d.run([['MONITOR'], ['RESET'], ['GET', 'k'], ['DBSIZE']]);
  void ma;
  void mb;
});

test('debug: help, sleep, set-active-expire, errors', async () => {
  await d.run([
    ['DEBUG', 'HELP'],
    ['DEBUG', 'help', 'extra'],
    ['DEBUG'],
    ['DEBUG', 'nosuch'],
    ['DEBUG', 'SLEEP'],
    ['DEBUG', 'SLEEP', '0'],
    ['DEBUG', 'SLEEP', '0.01'],
    ['DEBUG', 'SLEEP', 'abc'],
    ['DEBUG', 'SLEEP', '-1'],
    ['DEBUG', 'SLEEP', '0', '1'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE'],
    ['DEBUG', 'set-active-expire', 'abc'],
    ['DEBUG', 'set-active-expire', '2'],
    ['DEBUG', 'set-active-expire', '1'],
    ['DEBUG', 'OBJECT'],
    ['DEBUG', 'OBJECT', 'nokey'],
    ['DEBUG', 'OBJECT', 'a', 'b'],
  ]);
  await d.run([['DEBUG', 'HELP'], ['DEBUG', 'OBJECT', 'nokey']], { resp: 3 });
  const t0 = Date.now();
  await d.both(['DEBUG', 'SLEEP', '0.2']);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
});

test('debug populate: keys, prefix, value size, existing keys kept, not propagated, errors', async () => {
  const long = 'p'.repeat(130);
  await d.run([
    ['FLUSHALL'],
    ['SET', 'key:3', 'mine'],
    ['DEBUG', 'POPULATE', '10'],
    ['DBSIZE'],
    ['GET', 'key:0'],
    ['GET', 'key:3'],
    ['GET', 'key:9'],
    ['EXISTS', 'key:10'],
    ['DEBUG', 'POPULATE', '5', 'p'],
    ['GET', 'p:4'],
    ['DEBUG', 'POPULATE', '3', 's', '12'],
    ['GET', 's:2'],
    ['DEBUG', 'POPULATE', '3', 't', '4'],
    ['GET', 't:1'],
    ['DEBUG', 'POPULATE', '3', 'u', '0'],
    ['GET', 'u:1'],
    ['DEBUG', 'POPULATE', '2', 'n\x00ul'],
    ['GET', 'n:1'],
    ['DEBUG', 'POPULATE', '12', long],
    ['EXISTS', 'p'.repeat(127)],
    ['DBSIZE'],
    ['DEBUG', 'POPULATE', '0'],
    ['DEBUG', 'POPULATE', '-1'],
    ['DEBUG', 'POPULATE', 'abc'],
    ['DEBUG', 'POPULATE', '1.5'],
    ['DEBUG', 'POPULATE', '2', 'v', '-3'],
    ['DEBUG', 'POPULATE', '2', 'v', 'x'],
    ['DEBUG', 'POPULATE'],
    ['DEBUG', 'POPULATE', '1', 'a', '1', 'extra'],
    ['DBSIZE'],
  ]);
  // DEBUG POPULATE does not count as a change (no dirty, nothing propagated).
  const [a, b] = await d.connect();
  const dirty = (r: string) => /rdb_changes_since_last_save:(\d+)/.exec(r)![1];
  const before = [dirty(await a.send(['INFO', 'persistence'])), dirty(await b.send(['INFO', 'persistence']))];
  await d.run([['DEBUG', 'POPULATE', '50', 'q']]);
  expect([dirty(await a.send(['INFO', 'persistence'])), dirty(await b.send(['INFO', 'persistence']))]).toEqual(before);
});

test('debug set-active-expire 0 keeps expired keys until accessed', async () => {
  // 100 ms, not 1: with 1 ms a millisecond passing between computing and
  // checking the time deletes the key at once (in Redis too, only rarer).
  await d.run([['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'a', '1'], ['SET', 'b', '1'], ['PEXPIRE', 'a', '100'], ['PEXPIRE', 'b', '100']]);
  await new Promise((r) => setTimeout(r, 400));
  await d.run([['DBSIZE'], ['GET', 'a'], ['DBSIZE'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1']]);
  await new Promise((r) => setTimeout(r, 400));
  await d.run([['DBSIZE']]);
});

test('debug object', async () => {
  const norm = (s: string) => s.replace(/at:0x[0-9a-f]+/, 'at:ADDR').replace(/lru:\d+ lru_seconds_idle:\d+/, 'lru:L lru_seconds_idle:I');
  await d.run(
    [
      ['SET', 'int', '123'],
      ['SET', 'bigint', '123456789012'],
      ['SET', 'neg', '-5'],
      ['SET', 'str', 'hello'],
      ['SET', 'bin', Buffer.from([0, 0xff, 1])],
      ['SET', 'emb', 'x'.repeat(20)],
      // Incompressible (kevy does not LZF-compress when measuring serializedlength).
      ['SET', 'raw', Array.from({ length: 45 }, (_, i) => String.fromCharCode(33 + ((i * 7919 + i * i * 31) % 90))).join('')],
      ['SET', 'empty', ''],
      ['SET', 'shared', '9999'],
      ['SET', 'notshared', '10000'],
      ['RPUSH', 'list', 'a', 'b', 'c'],
      ['RPUSH', 'nums', '1', '200', '70000', '-3'],
      ...['int', 'bigint', 'neg', 'str', 'bin', 'emb', 'raw', 'empty', 'shared', 'notshared', 'list', 'nums'].map(
        (k): Cmd => ['DEBUG', 'OBJECT', k],
      ),
    ],
    { normalize: norm },
  );
});

test('debug is refused unless enabled', async () => {
  const redis = await startRedis(['--enable-debug-command', 'no']);
  const kevy = await startKevy({ 'enable-debug-command': 'no' });
  try {
    const a = await RawClient.connect(redis.port);
    const b = await RawClient.connect(kevy.port);
    for (const cmd of [['DEBUG', 'HELP'], ['DEBUG', 'SLEEP', '0'], ['DEBUG']]) {
      expect(await b.send(cmd)).toBe(await a.send(cmd));
    }
    a.close();
    b.close();
  } finally {
    await Promise.all([redis.stop(), kevy.close()]);
  }
});

test('function and script with nothing loaded', async () => {
  const cmds: Cmd[] = [
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'FLUSH', 'ASYNC'],
    ['FUNCTION', 'flush', 'sync'],
    ['FUNCTION', 'FLUSH', 'x'],
    ['FUNCTION', 'FLUSH', 'SYNC', 'x'],
    ['FUNCTION', 'LIST'],
    ['FUNCTION', 'LIST', 'WITHCODE'],
    ['FUNCTION', 'LIST', 'libraryname', 'x*', 'withcode'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME'],
    ['FUNCTION', 'LIST', 'foo'],
    ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
    ['FUNCTION', 'LIST', 'LIBRARYNAME', 'a', 'LIBRARYNAME', 'b'],
    ['FUNCTION', 'STATS'],
    ['FUNCTION', 'STATS', 'x'],
    ['FUNCTION', 'HELP'],
    ['FUNCTION', 'HELP', 'x'],
    ['FUNCTION'],
    ['SCRIPT', 'FLUSH'],
    ['SCRIPT', 'FLUSH', 'ASYNC'],
    ['SCRIPT', 'FLUSH', 'x'],
    ['SCRIPT', 'FLUSH', 'SYNC', 'ASYNC'],
    ['SCRIPT', 'EXISTS', 'a'],
    ['SCRIPT', 'EXISTS', 'a', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'],
    ['SCRIPT', 'EXISTS'],
    ['SCRIPT', 'HELP'],
    ['SCRIPT'],
  ];
  await d.run(cmds);
  await d.run(cmds, { resp: 3 });
});

test('timeout does not close an idle MONITOR client (a replica to Redis), and closes an idle normal one', async () => {
  await d.run([['CONFIG', 'SET', 'timeout', '1']]);
  try {
    const [ma, mb] = await d.connect();
    const [na, nb] = await d.connect();
    expect(await Promise.all([ma.send(['MONITOR']), mb.send(['MONITOR'])])).toEqual(['+OK\r\n', '+OK\r\n']);
    await Promise.all([na.send(['PING']), nb.send(['PING'])]);
    await new Promise((r) => setTimeout(r, 2600));
    expect([mb.closed, nb.closed]).toEqual([ma.closed, na.closed]);
    expect([ma.closed, na.closed]).toEqual([false, true]);
  } finally {
    await d.run([['CONFIG', 'SET', 'timeout', '0']]);
  }
});
