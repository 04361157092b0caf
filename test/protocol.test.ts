/**
 * The wire protocol against a real redis-server: inline commands, quoting,
 * pipelining, protocol errors (reply then close), binary safety, big bulks.
 */
import type net from 'node:net';
import { expect, test } from 'vitest';
import { differential, show } from './helpers/diff';
import { RawClient, encode, openSocket } from './helpers/resp';

const d = differential();

/** Sends raw bytes on fresh connections to both servers; returns each side's full output until close or quiet. */
async function rawBoth(bytes: string, replies: number): Promise<void> {
  const [a, b] = await d.connect();
  const [ra, rb] = await Promise.all([a.sendMany(bytes, replies), b.sendMany(bytes, replies)]);
  expect(rb.map(show)).toEqual(ra.map(show));
  // After a protocol error both close the connection.
  await new Promise((r) => setTimeout(r, 50));
  expect(b.closed).toBe(a.closed);
}

/** The id of the connection s (CLIENT ID), before anything else is sent on it. */
function clientId(s: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    s.once('data', (b: Buffer) => resolve(b.toString('latin1').slice(1, -2)));
    s.write(encode(['CLIENT', 'ID']));
  });
}

test('inline commands and quoting', async () => {
  await rawBoth('PING\r\n', 1);
  await rawBoth('PING\n', 1);
  await rawBoth('ECHO "hello world"\r\n', 1);
  await rawBoth("ECHO 'it\\'s'\r\n", 1);
  await rawBoth('ECHO "a\\x41\\n\\tb"\r\n', 1);
  await rawBoth('  \r\nPING\r\n', 1);
  await rawBoth('SET k "v v"\r\nGET k\r\n', 2);
  // \v and \f are blanks between words but part of an unquoted word.
  await rawBoth('ECHO a\vb\r\n', 1);
  await rawBoth('ECHO \v\fa\f\r\n', 1);
  await rawBoth('ECHO "a"\v\r\n', 1);
});

test('protocol errors reply then close', async () => {
  await rawBoth('ECHO "unbalanced\r\n', 1);
  await rawBoth('ECHO "a"b\r\n', 1);
  await rawBoth('*1\r\n$abc\r\n', 1);
  await rawBoth('*abc\r\n', 1);
  await rawBoth('*2\r\n$4\r\nECHO\r\n+x\r\n', 1);
  await rawBoth('*1\r\n$-1\r\n', 1);
  await rawBoth('*3000000000\r\n', 1);
  // Lengths as string2ll reads them: no leading zero, no -0, at most 20 characters.
  await rawBoth('*01\r\n$4\r\nPING\r\n', 1);
  await rawBoth('*1\r\n$04\r\nPING\r\n', 1);
  await rawBoth('*1\r\n$00000000000000000004\r\nPING\r\n', 1);
  await rawBoth('*-0\r\nPING\r\n', 1);
  await rawBoth('*1\r\n$-0\r\n', 1);
  await rawBoth('*2\r\n$4\r\nECHO\r\n$0\r\n\r\n', 1);
  await rawBoth('*1\r\n$600000000\r\n', 1);
  // commands before the bad frame still run
  await rawBoth('PING\r\n*1\r\n$x\r\n', 2);
});

/**
 * What a fresh connection gets for `parts` (byte strings written in turn; a
 * number waits that many ms), once quiet for 150 ms: the output and whether
 * the server closed.
 */
async function rawOutput(port: number, parts: (string | number)[]): Promise<string> {
  const s = await openSocket(port);
  let out = '';
  let closed = false;
  s.on('data', (b: Buffer) => (out += b.toString('latin1')));
  s.on('close', () => (closed = true));
  for (const p of parts) {
    if (typeof p === 'number') await new Promise((r) => setTimeout(r, p));
    else s.write(Buffer.from(p, 'latin1'));
  }
  await new Promise((r) => setTimeout(r, 150));
  s.destroy();
  return `${JSON.stringify(out)} ${closed ? 'closed' : 'open'}`;
}

test('a NUL before the CR of a length line (or the LF of an inline line): Redis waits, and says too big after 64 KB more', async () => {
  // processMultibulkBuffer / processInlineBuffer find the line end with
  // strchr() in the NUL-terminated query buffer: a NUL first hides it for
  // good, and the unparsed bytes grow until PROTO_INLINE_MAX_SIZE (64 KB).
  const pad = (n: number) => 'a'.repeat(n);
  const cases: [(string | number)[], string][] = [
    [['*1\r\n$4\0\r\n'], '"" open'],
    [['*1\r\n$4\0\r\nPING\r\n'], '"" open'],
    [['*1\0\r\n$4\r\nPING\r\n'], '"" open'],
    [['PING\r\n*1\r\n\0\r\nPING\r\n'], '"+PONG\\r\\n" open'], // not "expected '$'"
    [['*2\r\n$4\r\nECHO\r\n$1\0\r\nx\r\n'], '"" open'],
    [['PI\0NG\r\nPING\r\n'], '"" open'],
    [['PING\r\0\nPING\r\n'], '"" open'],
    // 65536 bytes wait: nothing yet; one more and the line is too big.
    [['*1\r\n$4\0\r\n', 50, pad(65531)], '"" open'],
    [['*1\r\n$4\0\r\n', 50, pad(65532)], '"-ERR Protocol error: too big bulk count string\\r\\n" closed'],
    [['*1\0\r\n' + pad(65532)], '"-ERR Protocol error: too big mbulk count string\\r\\n" closed'],
    [['PING\r\nPI\0NG\r\n', 50, pad(65530)], '"+PONG\\r\\n-ERR Protocol error: too big inline request\\r\\n" closed'],
    // A CR that is the last byte received ends the line, however long: it
    // waits for the next byte, then the length is refused (not "too big").
    [['*1\r\n$' + pad(60000), 50, pad(10000) + '\r', 50, '\n'], '"-ERR Protocol error: invalid bulk length\\r\\n" closed'],
  ];
  // Each on its own connections, all at once.
  await Promise.all(
    cases.map(async ([parts, want]) => {
      const label = JSON.stringify(parts.map((p) => (typeof p === 'string' ? p.slice(0, 30) : p)));
      const [r, k] = await Promise.all([rawOutput(d.redisPort, parts), rawOutput(d.kevyPort, parts)]);
      expect(r, `redis: ${label}`).toBe(want);
      expect(k, `kevy: ${label}`).toBe(r);
    }),
  );
});

test('unknown command names and arguments end at a NUL in the error, as %s prints them', async () => {
  await d.run([
    ['FOO\0BAR', 'a\0b', 'c'],
    ['\0x', '\0'],
    // The 128 bytes of arguments count what is printed: 'a' leaves room for 'z'.
    ['FOO', 'x'.repeat(120), 'a\0' + 'y'.repeat(50), 'z'.repeat(20)],
    ['CLIENT', 'a\0b'],
  ]);
});

test('a bulk longer than a V8 string is refused at its header, and the server keeps serving', async () => {
  // Within Redis's default proto-max-bulk-len (536870912), past V8's longest string (536870888):
  // kevy used to accept the header, and died turning the received bytes into a string.
  const c = await RawClient.connect(d.kevyPort);
  expect(await c.sendRaw('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870900\r\n')).toBe('-ERR Protocol error: invalid bulk length\r\n');
  await new Promise((r) => setTimeout(r, 50));
  expect(c.closed).toBe(true);
  const other = await RawClient.connect(d.kevyPort);
  expect(await other.send(['PING'])).toBe('+PONG\r\n');
  other.close();
});

test('empty multibulk is ignored', async () => {
  await rawBoth('*0\r\n*-1\r\nPING\r\n', 1);
});

test('pipelining keeps order and survives split frames', async () => {
  const [a, b] = await d.connect();
  let bytes = '';
  for (let i = 0; i < 200; i++) bytes += encode(['SET', `k${i}`, `v${i}`]).toString('latin1') + encode(['GET', `k${i}`]).toString('latin1');
  const [ra, rb] = await Promise.all([a.sendMany(bytes, 400), b.sendMany(bytes, 400)]);
  expect(rb).toEqual(ra);
  // one byte at a time
  const k = await RawClient.connect(d.kevyPort);
  const frame = encode(['ECHO', 'split']).toString('latin1');
  const p = k.sendMany('', 1);
  for (const ch of frame) {
    await k.sendMany(ch, 0);
  }
  expect((await p)[0]).toBe('$5\r\nsplit\r\n');
  k.close();
});

test('binary-safe keys and values', async () => {
  const key = Buffer.from([0, 255, 13, 10, 0xc3, 0x28]);
  const val = Buffer.from([255, 254, 0, 1, 2, 128]);
  await d.run([['SET', key, val], ['GET', key], ['ECHO', val]]);
});

test('large bulk arriving in pieces', async () => {
  const big = 'x'.repeat(3 * 1024 * 1024);
  await d.run([['SET', 'big', big], ['GET', 'big']]);
});

test('unauthenticated clients get tight limits', async () => {
  // covered with requirepass in the auth tests; here the defaults allow big frames
  await d.run([['ECHO', 'y'.repeat(20000)]]);
});

test('a long pipeline does not hold other clients: it runs in turns, its replies in order', async () => {
  // A is blocked while 500,000 INCRs (11.5 MB) pile up behind its BLPOP;
  // B's LPUSH releases it. Before the server stopped a client after 0.2 ms
  // of its commands (YIELD_AFTER_MS), all 500,000 ran in one go: B got
  // its reply, and could ask again, only once they were done.
  const N = 500_000;
  const pipeline = encode(['BLPOP', 'fair:q', '0']).toString('latin1') + encode(['INCR', 'fair:n']).toString('latin1').repeat(N);
  const a = await openSocket(d.kevyPort);
  const b = await RawClient.connect(d.kevyPort);
  try {
  let text = '';
  let lines = 0;
  const done = new Promise<void>((resolve) => {
    a.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
      // BLPOP's reply is 5 lines, then one per INCR.
      if (lines === N + 5) resolve();
    });
  });
  a.write(pipeline);
  // Wait until the server holds all of A's INCRs in its query buffer.
  const want = pipeline.length - encode(['BLPOP', 'fair:q', '0']).length;
  for (;;) {
    const list = await b.send(['CLIENT', 'LIST']);
    const m = /qbuf=(\d+)[^\n]*cmd=blpop/.exec(list);
    if (m !== null && Number(m[1]) === want) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(await b.send(['LPUSH', 'fair:q', 'go'])).toBe(':1\r\n');
  const seen = Number((await b.send(['GET', 'fair:n'])).split('\r\n')[1]);
  expect(seen).toBeLessThan(N / 10);
  await done;
  // Every reply, in order: BLPOP's, then :1 to :N.
  const replies = text.split('\r\n');
  expect(replies.slice(0, 5)).toEqual(['*2', '$6', 'fair:q', '$2', 'go']);
  let inOrder = replies.length === N + 6;
  for (let i = 0; i < N && inOrder; i++) if (replies[5 + i] !== ':' + (i + 1)) inOrder = false;
  expect(inOrder).toBe(true);
  } finally {
    // A retry must not share fair:n with a pipeline still running.
    a.destroy();
    b.close();
    await RawClient.connect(d.kevyPort).then(async (c) => {
      await c.send(['DEL', 'fair:n', 'fair:q']);
      c.close();
    });
  }
});

test('a pipeline sent with a half-close gets every reply', async () => {
  // The server runs it in turns and must write the replies before it reads
  // the EOF (Node ends the socket then): 3,618 of 5,001 came back once.
  const n = 20000;
  const s = await openSocket(d.kevyPort);
  let lines = 0;
  s.on('data', (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
  });
  const closed = new Promise((r) => s.once('close', r));
  s.end(encode(['DEL', 'hc:n']).toString('latin1') + encode(['INCR', 'hc:n']).toString('latin1').repeat(n), 'latin1');
  await closed;
  expect(lines).toBe(n + 1);
});

test('replies before a command that blocks are written at once', async () => {
  // KEYS over 20,000 keys makes the 16 commands take longer than a turn
  // (0.2 ms): the replies of KEYS and the PINGs must not wait for BLPOP.
  const fill = await RawClient.connect(d.kevyPort);
  const keys = Array.from({ length: 20000 }, (_, i) => [`blk:${i}`, 'v']).flat();
  expect(await fill.send(['MSET', ...keys])).toBe('+OK\r\n');
  const c = await RawClient.connect(d.kevyPort);
  let bytes = encode(['KEYS', 'nomatch:*']).toString('latin1');
  for (let i = 0; i < 14; i++) bytes += encode(['PING']).toString('latin1');
  bytes += encode(['BLPOP', 'blk:none', '0']).toString('latin1') + encode(['PING']).toString('latin1');
  const replies = await Promise.race([c.sendMany(bytes, 15), new Promise<string>((r) => setTimeout(() => r('no replies after 3 s'), 3000))]);
  expect(replies).toEqual(['*0\r\n', ...Array(14).fill('+PONG\r\n')]);
  c.close();
  expect(await fill.send(['DEL', 'blk:none', ...Array.from({ length: 20000 }, (_, i) => `blk:${i}`)])).toBe(':20000\r\n');
  fill.close();
});

test('CLIENT KILL of a client in the middle of a long pipeline closes its connection', async () => {
  // Its socket is not read while its buffered commands run; killed then,
  // it was never read again, and the connection stayed open for good.
  const a = await openSocket(d.kevyPort);
  const id = await clientId(a);
  const closed = new Promise<string>((r) => a.once('close', () => r('closed')));
  let replies = 0;
  a.on('data', (b: Buffer) => {
    for (let i = 0; i < b.length; i++) if (b[i] === 10) replies++;
  });
  a.write(encode(['SET', 'kill:k', 'v']).toString('latin1').repeat(300000), 'latin1');
  while (replies === 0) await new Promise((r) => setTimeout(r, 5));
  const b = await RawClient.connect(d.kevyPort);
  expect(await b.send(['CLIENT', 'KILL', 'ID', id])).toBe(':1\r\n');
  expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r('still open after 5 s'), 5000))])).toBe('closed');
  expect(replies).toBeLessThan(300000);
  a.destroy();
  b.close();
});

test('CLIENT KILL closes the connection at once, even for a peer that keeps its side open (as redis-server)', async () => {
  // kevy used to half-close (socket.end()) and keep reading a killed client
  // that did not close its side; Redis closes the connection.
  for (const port of [d.redisPort, d.kevyPort]) {
    const a = await openSocket(port, { allowHalfOpen: true });
    const id = await clientId(a);
    const ended = new Promise((r) => a.once('end', r));
    const closed = new Promise<string>((r) => a.once('close', () => r('closed')));
    const b = await RawClient.connect(port);
    expect(await b.send(['CLIENT', 'KILL', 'ID', id])).toBe(':1\r\n');
    await ended;
    // Writing to a connection the server has closed gets a reset, then EPIPE.
    a.write(encode(['PING']));
    await new Promise((r) => setTimeout(r, 100));
    a.write(encode(['PING']));
    const timeout = new Promise((r) => setTimeout(() => r('still open after 3 s'), 3000));
    expect(await Promise.race([closed, timeout]), `port ${port}`).toBe('closed');
    a.destroy();
    b.close();
  }
});
