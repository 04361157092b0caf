/**
 * CONFIG REWRITE and the `user default ...` line, against redis-server 7.0:
 * both servers are started as processes with the same config file text and
 * the same command line, get the same commands, and their rewritten files
 * are compared. Redis appends the lines it generates in its config dict's
 * order, which changes from run to run, so the generated block is compared
 * as a set (the `user` line, which Redis writes after the others, last in
 * both); everything before it must be identical. Also: the fatal errors of
 * bad `user` lines, and `bind *`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { freePort, waitForPort } from './helpers/servers';
import { RawClient } from './helpers/resp';
import { BIN, killAll } from './helpers/child';
import { REWRITE_SIGNATURE } from '../src/config/rewrite';

let tmp: string;
const running: ChildProcess[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-rewrite-diff-'));
});
afterEach(() => killAll(running));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Kind = 'redis' | 'kevy';

interface Started {
  kind: Kind;
  port: number;
  file: string;
  client: RawClient;
}

let seq = 0;

/** Starts one server on `text` as its config file (dir and port on the command line, bind in the file or 127.0.0.1). */
async function start(kind: Kind, text: string, file?: string, extra: string[] = []): Promise<Started> {
  const dir = path.join(tmp, `${kind}-${seq++}`);
  fs.mkdirSync(dir);
  file ??= path.join(dir, 'server.conf');
  fs.writeFileSync(file, text, 'latin1');
  const port = await freePort();
  const args = [file, '--port', String(port), '--dir', dir];
  if (!/^\s*bind /m.test(text)) args.push('--bind', '127.0.0.1');
  args.push(...extra);
  const proc = kind === 'redis' ? spawn('redis-server', args, { stdio: 'ignore' }) : spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
  running.push(proc);
  await waitForPort(port);
  return { kind, port, file, client: await RawClient.connect(port) };
}

async function both(text: string, extra: string[] = []): Promise<[Started, Started]> {
  return Promise.all([start('redis', text, undefined, extra), start('kevy', text, undefined, extra)]);
}

/** Sends cmd to both; the replies must be the same bytes. */
async function same(servers: Started[], cmd: string[]): Promise<string> {
  const [a, b] = await Promise.all(servers.map((s) => s.client.send(cmd)));
  expect(b, cmd.join(' ')).toBe(a);
  return a;
}

/** A rewritten file with its own port and dir replaced, split at the signature. */
function rewritten(s: Started): { head: string; generated: string[] } {
  const text = fs
    .readFileSync(s.file, 'latin1')
    .replace(new RegExp(`^port ${s.port}$`, 'm'), 'port PORT')
    .replace(/^dir ".*"$/m, 'dir "DIR"');
  const at = text.indexOf(REWRITE_SIGNATURE + '\n');
  if (at < 0) return { head: text, generated: [] };
  return { head: text.slice(0, at), generated: text.slice(at + REWRITE_SIGNATURE.length + 1).split('\n') };
}

/** CONFIG REWRITE on both, then the files compared (head exactly, generated lines as a set, `user` last). */
async function sameRewrite(servers: Started[]): Promise<string[]> {
  await same(servers, ['CONFIG', 'REWRITE']);
  const [r, k] = servers.map(rewritten);
  expect(k.head).toBe(r.head);
  expect(k.generated.slice().sort()).toEqual(r.generated.slice().sort());
  const lastLine = (g: string[]) => g.filter((l) => l !== '').pop();
  if (r.generated.some((l) => l.startsWith('user '))) expect(lastLine(k.generated)).toBe(lastLine(r.generated));
  return [r.head, ...r.generated];
}

describe('CONFIG REWRITE, the file as Redis 7.0 writes it', () => {
  test('trimmed lines, blank runs, reused and blanked lines, "# ???", per-pair save, per-class buffer limits', async () => {
    const text =
      '# top\n   # indented comment\n\n\n\npidfile ""\nrequirepass ""\nlogfile ""\nnotify-keyspace-events ""\n' +
      'client-output-buffer-limit normal 0 0 0\nsave 10 1\nsave 20 2\nsave 30 3\nlist-max-ziplist-entries 5\n' +
      '   hz   7   \nhash-max-ziplist-entries 100\nmaxclients 100\nmaxclients 200\n\n\n';
    const s = await both(text);
    await same(s, ['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 512kb 30', 'save', '100 1', 'notify-keyspace-events', 'KEA']);
    await same(s, ['CONFIG', 'SET', 'tcp-keepalive', '60', 'appendfsync', 'always', 'proto-max-bulk-len', '2mb']);
    const once = await sameRewrite(s);
    expect(once.join('\n')).toContain('\n# ??? list-max-ziplist-entries 5\n');
    expect(once.join('\n')).toContain('\nhash-max-listpack-entries 100\n');
    // A second rewrite reuses the lines in order: the generated pubsub line now holds the
    // replica class (at its default, but a line was there to reuse) and pubsub is appended again.
    const twice = await sameRewrite(s);
    expect(twice).toContain('client-output-buffer-limit replica 256mb 64mb 60');
    await same(s, ['CONFIG', 'SET', 'save', '', 'latency-tracking-info-percentiles', '', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60']);
    await sameRewrite(s);
  });

  test('an empty file: dir, the default save points, latency-tracking-info-percentiles and the user line', async () => {
    const s = await both('');
    const lines = await sameRewrite(s);
    expect(lines).toContain('save 3600 1');
    expect(lines).toContain('user default on nopass ~* &* +@all');
  });

  test('requirepass: the user line with the password hash; requirepass "" drops the requirepass line', async () => {
    const s = await both('# x\nrequirepass "foo"\n');
    await same(s, ['PING']);
    await same(s, ['AUTH', 'foo']);
    await same(s, ['CONFIG', 'SET', 'requirepass', 'bar']);
    const lines = await sameRewrite(s);
    expect(lines.join('\n')).toContain('requirepass "bar"');
    await same(s, ['CONFIG', 'SET', 'requirepass', '']);
    await sameRewrite(s);
    await same(s, ['AUTH', 'x']);
  });

  test('the rewritten file starts kevy again with the same settings', async () => {
    const k = await start('kevy', 'hz 7\n');
    const set = ['CONFIG', 'SET', 'requirepass', 'pw', 'save', '100 1 200 2', 'client-output-buffer-limit', 'pubsub 1mb 512kb 30'];
    expect(await k.client.send(set)).toBe('+OK\r\n');
    expect(await k.client.send(['AUTH', 'pw'])).toBe('+OK\r\n');
    expect(await k.client.send(['CONFIG', 'REWRITE'])).toBe('+OK\r\n');
    const text = fs.readFileSync(k.file, 'latin1').replace(/^port \d+$/m, '').replace(/^dir .*$/m, '');
    const again = await start('kevy', text);
    expect(await again.client.send(['PING'])).toMatch(/^-NOAUTH/);
    expect(await again.client.send(['AUTH', 'pw'])).toBe('+OK\r\n');
    expect(await again.client.send(['CONFIG', 'GET', 'save'])).toBe('*2\r\n$4\r\nsave\r\n$11\r\n100 1 200 2\r\n');
    expect(await again.client.send(['CONFIG', 'GET', 'client-output-buffer-limit'])).toContain('pubsub 1048576 524288 30');
    expect(await again.client.send(['CONFIG', 'GET', 'hz'])).toBe('*2\r\n$2\r\nhz\r\n$1\r\n7\r\n');
  });
});

describe('the `user default ...` line Redis writes', () => {
  const FOO = '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae'; // sha256("foo")
  const auths: string[][] = [
    ['PING'],
    ['AUTH', 'foo'],
    ['AUTH', 'a'],
    ['AUTH', 'b'],
    ['AUTH', 'default', 'c'],
    ['AUTH', 'default', 'b'],
    ['CONFIG', 'GET', 'requirepass'],
  ];

  for (const [name, text] of [
    ['wins over requirepass written before it', 'requirepass foo\nuser default on nopass ~* &* +@all\n'],
    ['wins over requirepass written after it', 'user default on nopass ~* &* +@all\nrequirepass foo\n'],
    ['a password hash', `user default on #${FOO} ~* &* +@all\n`],
    ['several passwords, skip-sanitize-payload', 'user default on >a >b >a skip-sanitize-payload ~* &* +@all\n'],
    ['rules applied in order', 'user default reset on >a >b <a resetkeys allkeys allchannels -@all +@all nopass resetpass >b\n'],
    ['%RW~* is every key', 'user default on nopass %RW~* &* allcommands\n'],
    ['~* and allkeys alike, &* and allchannels alike, an empty rule', 'user default on nopass ~* ~* allkeys &* allchannels &* "" +@all\n'],
  ] as const) {
    test(name, async () => {
      const s = await both(text);
      for (const cmd of auths) await same(s, cmd);
      const [r, k] = await Promise.all(s.map((x) => x.client.send(['HELLO', '2', 'AUTH', 'default', 'b'])));
      const noId = (reply: string) => reply.replace(/\$2\r\nid\r\n:\d+/, 'ID');
      expect(noId(k)).toBe(noId(r));
      await sameRewrite(s);
    });
  }

  test('CONFIG SET requirepass to its current value changes nothing (the user line\'s passwords stay)', async () => {
    for (const [text, pass, value] of [
      ['user default on >foo ~* &* +@all\n', 'foo', ''],
      ['requirepass foo\nuser default on >foo >bar ~* &* +@all\n', 'bar', 'foo'],
    ] as const) {
      const s = await both(text);
      await same(s, ['AUTH', pass]);
      await same(s, ['CONFIG', 'SET', 'requirepass', value]);
      await same(s, ['AUTH', pass]);
      const fresh = await Promise.all(s.map((x) => RawClient.connect(x.port)));
      const [r, k] = await Promise.all(fresh.map((c) => c.send(['PING'])));
      expect(k).toBe(r);
      for (const c of fresh) c.close();
    }
  });

  test('a client that never authenticated needs AUTH again once a password is set again', async () => {
    const s = await both('requirepass foo\n');
    const idle = await Promise.all(s.map((x) => RawClient.connect(x.port)));
    await same(s, ['AUTH', 'foo']);
    await same(s, ['CONFIG', 'SET', 'requirepass', '']);
    const open = await Promise.all(idle.map((c) => c.send(['PING'])));
    expect(open[1]).toBe(open[0]);
    await same(s, ['CONFIG', 'SET', 'requirepass', 'bar']);
    const closed = await Promise.all(idle.map((c) => c.send(['PING'])));
    expect(closed[1]).toBe(closed[0]);
    expect(closed[0]).toMatch(/^-NOAUTH/);
    for (const c of idle) c.close();
  });

  test('HELLO checks the client\'s own AUTH, even while there is no password', async () => {
    const s = await both('requirepass foo\n');
    const idle = await Promise.all(s.map((x) => RawClient.connect(x.port)));
    const hello = async () => {
      const [r, k] = await Promise.all(idle.map((c) => c.send(['HELLO', '3'])));
      expect(k).toBe(r);
      return r;
    };
    expect(await hello()).toMatch(/^-NOAUTH HELLO must be called/);
    await same(s, ['AUTH', 'foo']);
    await same(s, ['CONFIG', 'SET', 'requirepass', '']);
    expect(await hello()).toMatch(/^-NOAUTH/);
    for (const c of idle) c.close();
  });

  test('a command-line password that is not UTF-8 stops kevy (Node would have changed its bytes)', () => {
    const r = spawnSync(process.execPath, [BIN, '--port', '0', '--requirepass', 'ab\ufffdcd'], { encoding: 'utf8', timeout: 20000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('A password on the command line must be valid UTF-8');
  });

  test('a non-ASCII password on the command line is its UTF-8 bytes, as a client sends it', async () => {
    const pw = 'p\u00e4sswort-\u043f\u0430\u0440\u043e\u043b\u044c';
    const s = await both('', ['--requirepass', pw]);
    await same(s, ['AUTH', Buffer.from(pw, 'utf8').toString('latin1')]); // the bytes a client sends
    await same(s, ['AUTH', Buffer.from(pw, 'latin1').toString('latin1')]); // each character's low byte
    await same(s, ['CONFIG', 'GET', 'requirepass']);
    await sameRewrite(s);
  });

  /** The reason line of a fatal config error (the last line of stderr). */
  function fatal(cmd: string, args: string[]): string {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20000 });
    expect(r.status).toBe(1);
    return r.stderr.trim().split('\n').pop()!;
  }

  test('lines Redis refuses get its error', () => {
    const cases = [
      'user default on nopass ~* &* +@all bogus',
      'user default on #abc ~* &* +@all',
      'user default on <nothere ~* &* +@all',
      'user default on nopass ~* ~foo &* +@all',
      'user default on nopass ~* &* &foo +@all',
      'user default on nopass %X~* &* +@all',
      'user default on nopass %RR~* &* +@all',
      'user default on nopass ~* %X~* &* +@all',
      'user default on ~* &* +@all\nuser default on #zz ~* &* +@all',
      'user',
      'user default on nopass ~* &* +@all\nuser default on nopass ~* &* +@all',
    ];
    for (const line of cases) {
      const file = path.join(tmp, `bad-${seq++}.conf`);
      fs.writeFileSync(file, `save ""\n${line}\n`);
      const redis = fatal('redis-server', [file, '--port', '0']);
      const kevy = fatal(process.execPath, [BIN, file, '--port', '0']);
      expect(kevy, line).toBe(redis);
    }
  });

  test('lines Redis takes but kevy cannot enforce are refused, saying why', () => {
    for (const line of [
      'user alice on nopass ~* &* +@all',
      'user default off nopass ~* &* +@all',
      'user default on nopass ~app:* &* +@all',
      'user default on nopass ~* &* +@all -debug',
      'user default on nopass %R &* +@all',
      'user default',
    ]) {
      const file = path.join(tmp, `unsupported-${seq++}.conf`);
      fs.writeFileSync(file, `${line}\n`);
      const kevy = fatal(process.execPath, [BIN, file, '--port', '0']);
      expect(kevy, line).toMatch(/^Error in user declaration '(default|alice)': kevy has no ACL/);
    }
  });
});

/** Runs a server that must fail to start; its exit code and the last line it logged, without the pid and time. */
function failedStart(cmd: string, args: string[]): [number | null, string] {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20000 });
  const last = (r.stdout + r.stderr).trim().split('\n').pop()!;
  return [r.status, last.replace(/^\d+:M [^#*]*[#*] /, '')];
}

describe('bind', () => {
  test('no address to listen on, an optional one missing, or one in use: Redis\'s exit and message', async () => {
    const blocker = (await import('node:net')).createServer();
    const taken = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      for (const [bind, port] of [['-10.255.255.1', String(await freePort())], ['', String(await freePort())], ['-127.0.0.1', String(taken)]]) {
        const args = ['--port', port, '--bind', bind, '--save', ''];
        const redis = failedStart('redis-server', args);
        const kevy = failedStart(process.execPath, [BIN, ...args]);
        expect(kevy, bind).toEqual(redis);
      }
    } finally {
      blocker.close();
    }
  });

  test('CONFIG REWRITE keeps `bind * -::*` (Redis drops it at its default; kevy\'s default is loopback)', async () => {
    const k = await start('kevy', 'bind * -::*\n');
    expect(await k.client.send(['CONFIG', 'REWRITE'])).toBe('+OK\r\n');
    expect(fs.readFileSync(k.file, 'latin1')).toMatch(/^bind \* -::\*$/m);
  });

  test('`bind * -::*` (Redis\'s default) listens on every address', async () => {
    const k = await start('kevy', 'bind * -::*\n');
    expect(await k.client.send(['PING'])).toBe('+PONG\r\n');
    const r = await start('redis', 'bind * -::*\n');
    await same([r, k], ['CONFIG', 'GET', 'bind']);
  });
});
