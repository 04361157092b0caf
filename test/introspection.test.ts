import { expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';

const d = differential();

/** Masks what legitimately differs between two servers in a reply: integers and client addresses. */
function maskNumbers(s: string): string {
  return s.replace(/:-?\d+\r\n/g, ':N\r\n').replace(/\$\d+\r\n127\.0\.0\.1:\d+\r\n/g, '$ADDR\r\n');
}

/** The bulk strings of a flat array reply, in order. */
function bulks(reply: string): string[] {
  const out: string[] = [];
  const re = /\$(\d+)\r\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(reply)) !== null) {
    const start = m.index + m[0].length;
    out.push(reply.slice(start, start + Number(m[1])));
    re.lastIndex = start + Number(m[1]) + 2;
  }
  return out;
}

/** Sorted sets arrive with their own change; until then their cases are skipped. */
function hasZsets(): boolean {
  return d.kevy.server.table.commands.has('zadd');
}

async function both(cmds: Cmd[]): Promise<void> {
  for (const c of cmds) await d.both(c);
}

test('COMMAND INFO and DOCS match Redis for implemented commands', async () => {
  const cmds: Cmd[] = [
    ['COMMAND', 'INFO', 'get', 'set'],
    ['COMMAND', 'INFO', 'GET', 'nosuch', 'get|x', 'client|list', 'CLIENT|ID'],
    ['COMMAND', 'INFO', 'object|encoding', 'slowlog|get', 'latency|doctor', 'command|getkeys'],
    ['COMMAND', 'DOCS', 'get'],
    ['COMMAND', 'DOCS', 'set', 'nosuch', 'mset', 'lpos'],
    ['COMMAND', 'DOCS', 'object|freq', 'slowlog|get', 'client|kill', 'memory|usage'],
    ['COMMAND', 'DOCS', 'nosuch'],
    ['COMMAND', 'COUNT', 'x'],
    ['COMMAND', 'FOO'],
  ];
  await d.run(cmds);
  await d.run(cmds, { resp: 3 });
  // Containers whose subcommands kevy all implements: the same entries, in
  // Redis's dict order (which depends on its hash seed), so compare as multisets of lines.
  const lines = (s: string) => s.split('\r\n').sort();
  for (const resp of [2, 3] as const) {
    for (const cmd of [
      ['COMMAND', 'INFO', 'object', 'slowlog'],
      ['COMMAND', 'DOCS', 'object', 'slowlog'],
    ]) {
      const [r, k] = await d.both(cmd, { resp });
      expect(lines(k), cmd.join(' ')).toEqual(lines(r));
    }
  }
});

test('COMMAND, COMMAND COUNT and COMMAND LIST list what kevy implements', async () => {
  const [, count] = await d.both(['COMMAND', 'COUNT']);
  const n = Number(count.slice(1));
  const table = d.kevy.server.table;
  expect(n).toBe(table.commands.size);
  const [, all] = await d.both(['COMMAND']);
  expect(all.startsWith(`*${n}\r\n`)).toBe(true);
  const [, list] = await d.both(['COMMAND', 'LIST']);
  const names = bulks(list);
  expect(names).toContain('get');
  expect(names).toContain('client|list');
  expect(names.length).toBe([...table.all()].length);
  // With a filter, every command both servers know appears in both answers.
  for (const filter of [['PATTERN', 'slowlog*'], ['pattern', 'OBJECT|*'], ['ACLCAT', 'string']]) {
    const [r, k] = await d.both(['COMMAND', 'LIST', 'FILTERBY', ...filter]);
    const mine = bulks(k).sort();
    const theirs = bulks(r).filter((x) => table.lookup(x.split('|')) !== undefined).sort();
    expect(mine, filter.join(' ')).toEqual(theirs);
  }
  await d.run([
    ['COMMAND', 'LIST', 'FILTERBY', 'module', 'x'],
    ['COMMAND', 'LIST', 'FILTERBY', 'aclcat', 'nosuch'],
    ['COMMAND', 'LIST', 'FILTERBY', 'foo', 'x'],
    ['COMMAND', 'LIST', 'FILTERBY', 'pattern'],
    ['COMMAND', 'LIST', 'x'],
  ]);
});

test('COMMAND GETKEYS and GETKEYSANDFLAGS', async () => {
  const cmds: Cmd[] = [
    ['COMMAND', 'GETKEYS', 'get', 'k'],
    ['COMMAND', 'GETKEYS', 'GET', 'k\x00\xff'],
    ['COMMAND', 'GETKEYS', 'set', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b', '2'],
    ['COMMAND', 'GETKEYS', 'del', 'a', 'b', 'c'],
    ['COMMAND', 'GETKEYS', 'sinterstore', 'd', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'sintercard', '0', 'a'],
    ['COMMAND', 'GETKEYS', 'sintercard', '5', 'a'],
    ['COMMAND', 'GETKEYS', 'sintercard', 'x', 'a'],
    ['COMMAND', 'GETKEYS', 'sintercard', '-1', 'a'],
    ['COMMAND', 'GETKEYS', 'lmpop', '1', 'a', 'b', 'LEFT'],
    ['COMMAND', 'GETKEYS', 'lmpop', '2', 'a', 'b', 'LEFT'],
    ['COMMAND', 'GETKEYS', 'blmpop', '0', '1', 'a', 'LEFT'],
    ['COMMAND', 'GETKEYS', 'sintercard', '2', 'a', 'b', 'LIMIT', '1'],
    ['COMMAND', 'GETKEYS', 'memory', 'usage', 'k'],
    ['COMMAND', 'GETKEYS', 'object', 'encoding', 'k'],
    ['COMMAND', 'GETKEYS', 'nosuch', 'a'],
    ['COMMAND', 'GETKEYS', 'object', 'nosuch', 'k'],
    ['COMMAND', 'GETKEYS', 'ping', 'x'],
    ['COMMAND', 'GETKEYS', 'client', 'list'],
    ['COMMAND', 'GETKEYS', 'object'],
    ['COMMAND', 'GETKEYS', 'OBJECT', 'k'],
    ['COMMAND', 'GETKEYS', 'get', 'a', 'b'],
    ['COMMAND', 'GETKEYS', 'get'],
    ['COMMAND', 'GETKEYS'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b', 'GET'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b', 'EX', '10'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'bitfield', 'k', 'GET', 'u8', '0'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'bitfield', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', '1'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'lmove', 'a', 'b', 'LEFT', 'RIGHT'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'rename', 'a', 'b'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'getex', 'a', 'PERSIST'],
  ];
  if (d.kevy.server.table.commands.has('sort')) {
    cmds.push(
      ['COMMAND', 'GETKEYS', 'sort', 'a', 'BY', 'w*', 'LIMIT', '0', '1', 'GET', '#', 'STORE', 'b'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'sort', 'a', 'STORE', 'b', 'STORE', 'c'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'sort_ro', 'a', 'BY', 'x'],
    );
  }
  if (d.kevy.server.table.commands.has('zunionstore')) {
    cmds.push(
      ['COMMAND', 'GETKEYS', 'zunionstore', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
      ['COMMAND', 'GETKEYS', 'zunionstore', 'd', '0', 'a'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'zunionstore', 'd', '1', 'a'],
    );
  }
  await d.run(cmds);
  await d.run(cmds.filter((c) => c[1] === 'GETKEYSANDFLAGS'), { resp: 3 });
});

test('OBJECT ENCODING / REFCOUNT / FREQ / IDLETIME / HELP', async () => {
  const big = 'x'.repeat(45);
  await d.run([
    ['SET', 'int', '12345'],
    ['SET', 'neg', '-5'],
    ['SET', 'shared', '9999'],
    ['SET', 'unshared', '10000'],
    ['SET', 'embstr', 'hello'],
    ['SET', 'emb44', 'x'.repeat(44)],
    ['SET', 'raw', big],
    ['SET', 'notint', '0123'],
    ['SET', 'bin', '\x00\xff'],
    ['RPUSH', 'list', 'a', 'b'],
    ['HSET', 'hash', 'f', 'v'],
    ['SADD', 'intset', '1', '2'],
    ['SADD', 'set', 'a'],
  ]);
  const keys = ['int', 'neg', 'shared', 'unshared', 'embstr', 'emb44', 'raw', 'notint', 'bin', 'list', 'hash', 'intset', 'set', 'missing'];
  if (hasZsets()) {
    await d.run([['ZADD', 'zset', '1', 'a']]);
    keys.push('zset');
  }
  const cmds: Cmd[] = [];
  for (const k of keys) {
    cmds.push(['OBJECT', 'ENCODING', k], ['OBJECT', 'REFCOUNT', k], ['OBJECT', 'FREQ', k]);
  }
  // IDLETIME is in seconds since the write: on a loaded machine a second may
  // pass on one side and not the other, so 0..2 count as the same answer.
  const idle = (r: string) => (/^:[0-2]\r\n$/.test(r) ? ':0\r\n' : r);
  await d.run(keys.map((k) => ['OBJECT', 'IDLETIME', k]), { normalize: idle });
  cmds.push(
    ['object', 'encoding'],
    ['OBJECT', 'ENCODING', 'a', 'b'],
    ['OBJECT', 'NOSUCH', 'a'],
    ['OBJECT'],
    ['OBJECT', 'HELP'],
    ['OBJECT', 'HELP', 'x'],
  );
  await d.run(cmds);
  await d.run([['OBJECT', 'ENCODING', 'missing'], ['OBJECT', 'IDLETIME', 'int'], ['OBJECT', 'HELP']], { resp: 3, normalize: idle });
});

test('OBJECT IDLETIME counts from the last access', async () => {
  const [a, b] = await d.clients();
  await d.run([['SET', 'k', 'v'], ['OBJECT', 'IDLETIME', 'k'], ['GET', 'k'], ['OBJECT', 'IDLETIME', 'k']]);
  // Backdate kevy's record of the last access, then access the key again.
  const times = d.kevy.server.ext.accessTimes as { byDb: Map<unknown, Map<string, number>> };
  const m = times.byDb.get(d.kevy.server.dbs[0])!;
  expect(m.has('k')).toBe(true);
  m.set('k', Date.now() - 5000);
  expect(await b.send(['OBJECT', 'IDLETIME', 'k'])).toBe(':5\r\n');
  // OBJECT itself does not touch the key; a read does.
  expect(await b.send(['OBJECT', 'IDLETIME', 'k'])).toBe(':5\r\n');
  await b.send(['GET', 'k']);
  expect(await b.send(['OBJECT', 'IDLETIME', 'k'])).toBe(':0\r\n');
  expect(await a.send(['OBJECT', 'IDLETIME', 'k'])).toBe(':0\r\n');
});

test('MEMORY USAGE of strings matches Redis; collections are estimated', async () => {
  const values = ['1', '10001', '-1', 'abc', '', 'x'.repeat(44), 'x'.repeat(45), 'x'.repeat(100), 'x'.repeat(1000), 'x'.repeat(70000), '\x00\xff'];
  const keys = ['k', 'k'.repeat(31), 'k'.repeat(32), 'k'.repeat(300)];
  const cmds: Cmd[] = [];
  for (const key of keys) {
    for (const v of values) cmds.push(['SET', key, v], ['MEMORY', 'USAGE', key], ['MEMORY', 'USAGE', key, 'SAMPLES', '0']);
  }
  cmds.push(
    ['MEMORY', 'USAGE', 'missing'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', 'abc'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', '-1'],
    ['MEMORY', 'USAGE', 'k', 'FOO', '1'],
    ['MEMORY', 'USAGE', 'missing', 'SAMPLES', 'abc'],
    ['MEMORY', 'USAGE'],
    ['MEMORY', 'HELP'],
    ['MEMORY', 'NOSUCH'],
  );
  await d.run(cmds);
  await d.run([['MEMORY', 'USAGE', 'missing'], ['MEMORY', 'USAGE', 'k']], { resp: 3 });

  const coll: Cmd[] = [
    ['RPUSH', 'list', 'a', 'bb', '123', 'x'.repeat(100)],
    ['HSET', 'hash', 'f1', 'v1', 'f2', '22'],
    ['SADD', 'intset', '1', '2', '300'],
    ['SADD', 'set', 'a', 'b', 'c'],
  ];
  if (hasZsets()) coll.push(['ZADD', 'zset', '1', 'a', '2', 'b']);
  await d.run(coll);
  const big: string[] = [];
  for (let i = 0; i < 600; i++) big.push(`field:${i}`, `value:${i}`);
  await d.run([['HSET', 'bighash', ...big]]);
  for (const key of ['list', 'hash', 'intset', 'set', 'bighash', ...(hasZsets() ? ['zset'] : [])]) {
    const [r, k] = await d.both(['MEMORY', 'USAGE', key, 'SAMPLES', '0']);
    const rn = Number(r.slice(1));
    const kn = Number(k.slice(1));
    expect(k.startsWith(':'), key).toBe(true);
    // An estimate: within a factor of 2 of Redis's own.
    expect(kn, `${key}: redis ${rn}, kevy ${kn}`).toBeGreaterThan(rn / 2);
    expect(kn, `${key}: redis ${rn}, kevy ${kn}`).toBeLessThan(rn * 2);
  }
});

test('SLOWLOG records, truncates, trims and resets', async () => {
  const [r] = await d.clients();
  const setBoth = async (name: string, value: string) => {
    await r.send(['CONFIG', 'SET', name, value]);
    expect(d.kevy.server.config.set(name, value)).toBeNull();
  };
  await setBoth('slowlog-log-slower-than', '0');
  try {
    const norm = { normalize: maskNumbers };
    await d.run([['SLOWLOG', 'RESET'], ['SLOWLOG', 'LEN']]);
    await both([
      ['SET', 'k', 'v'],
      ['GET', 'x'.repeat(200)],
      ['DEL', ...Array.from({ length: 40 }, (_, i) => `k${i}`)],
      ['AUTH', 'secret'],
      ['HELLO', '2', 'AUTH', 'default', 'secret'],
      // HELLO stops redacting at its first bad option.
      ['HELLO', '3', 'FOO', 'AUTH', 'u', 'p'],
      ['HELLO', '3', 'SETNAME'],
      ['CLIENT', 'SETNAME', 'me'],
      ['PING', '\x00\xff'],
    ]);
    await d.run([['SLOWLOG', 'GET'], ['SLOWLOG', 'GET', '2'], ['SLOWLOG', 'GET', '-1'], ['SLOWLOG', 'GET', '0']], norm);
    await d.run([['SLOWLOG', 'GET', '1']], { resp: 3, normalize: maskNumbers });
    await d.run(
      [
        ['SLOWLOG', 'GET', '-2'],
        ['SLOWLOG', 'GET', 'abc'],
        ['SLOWLOG', 'GET', '1', '2'],
        ['SLOWLOG', 'LEN', 'x'],
        ['SLOWLOG', 'NOSUCH'],
        ['SLOWLOG'],
        ['SLOWLOG', 'HELP'],
      ],
      norm,
    );
    await setBoth('slowlog-max-len', '3');
    await both([['PING'], ['PING'], ['PING'], ['PING']]);
    await d.run([['SLOWLOG', 'LEN'], ['SLOWLOG', 'GET']], norm);
    // The ids keep growing across a reset.
    const [, before] = await d.both(['SLOWLOG', 'GET', '1']);
    await d.run([['SLOWLOG', 'RESET'], ['SLOWLOG', 'LEN']]);
    const [, after] = await d.both(['SLOWLOG', 'GET', '1']);
    const id = (s: string) => Number(/^\*1\r\n\*6\r\n:(\d+)/.exec(s)![1]);
    expect(id(after)).toBeGreaterThan(id(before));
    await setBoth('slowlog-log-slower-than', '-1');
    await both([['SLOWLOG', 'RESET'], ['PING']]);
    await d.run([['SLOWLOG', 'LEN']]);
  } finally {
    await setBoth('slowlog-log-slower-than', '10000');
    await setBoth('slowlog-max-len', '128');
  }
});

test('LATENCY LATEST / HISTORY / RESET / DOCTOR / HELP', async () => {
  const [r] = await d.clients();
  const cmds: Cmd[] = [
    ['LATENCY', 'RESET'],
    ['LATENCY', 'LATEST'],
    ['LATENCY', 'HISTORY', 'command'],
    ['LATENCY', 'RESET', 'command', 'x'],
    ['LATENCY', 'DOCTOR'],
    ['LATENCY', 'HELP'],
    ['LATENCY', 'NOSUCH'],
    ['LATENCY', 'HISTORY'],
    ['LATENCY', 'LATEST', 'x'],
    ['LATENCY'],
  ];
  await d.run(cmds);
  await d.run(cmds.slice(0, 6), { resp: 3 });
  await r.send(['CONFIG', 'SET', 'latency-monitor-threshold', '5']);
  d.kevy.server.config.set('latency-monitor-threshold', '5');
  try {
    await d.run([['LATENCY', 'DOCTOR']]);
    await both([['DEBUG', 'SLEEP', '0.03']]);
    const [rl, kl] = await d.both(['LATENCY', 'LATEST']);
    expect(maskNumbers(kl)).toBe(maskNumbers(rl));
    const m = /^\*1\r\n\*4\r\n\$7\r\ncommand\r\n:(\d+)\r\n:(\d+)\r\n:(\d+)\r\n$/.exec(kl);
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m![1]) - Date.now() / 1000)).toBeLessThan(5);
    expect(Number(m![2])).toBeGreaterThanOrEqual(30);
    const [rh, kh] = await d.both(['LATENCY', 'HISTORY', 'command']);
    expect(maskNumbers(kh)).toBe(maskNumbers(rh));
    const [rd, kd] = await d.both(['LATENCY', 'DOCTOR']);
    const mask = (s: string) => s.replace(/\d+/g, 'N');
    expect(mask(kd)).toBe(mask(rd));
    await d.run([['LATENCY', 'RESET', 'COMMAND'], ['LATENCY', 'LATEST']]);
  } finally {
    await r.send(['CONFIG', 'SET', 'latency-monitor-threshold', '0']);
    d.kevy.server.config.set('latency-monitor-threshold', '0');
    await both([['LATENCY', 'RESET']]);
  }
});

test('COMMAND HELP', async () => {
  await d.run([['COMMAND', 'HELP'], ['COMMAND', 'HELP', 'x']]);
  await d.run([['COMMAND', 'HELP']], { resp: 3 });
});
