/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP against a real redis-server
 * 7.0, plus the config layer's own pieces (sdssplitargs, memory units, the
 * rewrite of a file) as unit tests.
 *
 * Both servers run with their own port, bind and dir, so those are not
 * compared. Redis answers a multi-match CONFIG GET in hash order: such
 * replies are compared as sets of pairs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { differential, type Cmd } from './helpers/diff';
import { startKevy, startRedis } from './helpers/servers';
import { RawClient } from './helpers/resp';
import { startServer } from '../src/index';
import { Config, parseMemory } from '../src/config/config';
import { ConfigFileError, loadConfigText } from '../src/config/load';
import { splitArgs } from '../src/protocol/inline';
import { quote, rewriteText } from '../src/config/rewrite';
import { sha256hex } from '../src/config/default-user';
import { DIRECTIVES } from '../src/config/directives';
import { limits } from '../src/store/limits';

const d = differential();

/** The [name, value] pairs of a RESP2 flat array or RESP3 map reply, sorted. */
function pairs(raw: string): string[] {
  const lines = raw.split('\r\n');
  const bulks: string[] = [];
  for (let i = 1; i < lines.length; i++) if (lines[i - 1].startsWith('$')) bulks.push(lines[i]);
  const out: string[] = [];
  for (let i = 0; i < bulks.length; i += 2) out.push(`${bulks[i]}=${bulks[i + 1]}`);
  return out.sort();
}

async function sameSet(cmd: Cmd, resp: 2 | 3 = 2): Promise<string[]> {
  const [a, b] = await d.both(cmd, { resp });
  expect(b[0]).toBe(a[0]);
  expect(pairs(b)).toEqual(pairs(a));
  return pairs(a);
}

describe('CONFIG GET', () => {
  test('exact names, echoed as given; aliases; unknown names', async () => {
    await d.run([
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'GET', 'HZ'],
      ['CONFIG', 'GET', 'timeout'],
      ['CONFIG', 'GET', 'maxclients'],
      ['CONFIG', 'GET', 'databases'],
      ['CONFIG', 'GET', 'protected-mode'],
      ['CONFIG', 'GET', 'tcp-keepalive'],
      ['CONFIG', 'GET', 'tcp-backlog'],
      ['CONFIG', 'GET', 'requirepass'],
      ['CONFIG', 'GET', 'logfile'],
      ['CONFIG', 'GET', 'proto-max-bulk-len'],
      ['CONFIG', 'GET', 'client-query-buffer-limit'],
      ['CONFIG', 'GET', 'slowlog-log-slower-than'],
      ['CONFIG', 'GET', 'latency-monitor-threshold'],
      ['CONFIG', 'GET', 'enable-debug-command'],
      ['CONFIG', 'GET', 'enable-protected-configs'],
      ['CONFIG', 'GET', 'hash-max-ziplist-entries'],
      ['CONFIG', 'GET', 'HASH-MAX-ZIPLIST-VALUE'],
      ['CONFIG', 'GET', 'list-max-ziplist-size'],
      ['CONFIG', 'GET', 'list-max-listpack-size'],
      ['CONFIG', 'GET', 'nosuch'],
      ['CONFIG', 'GET', ''],
      // Not compared: CONFIG GET "hz\x00". Redis hashes all 3 bytes but compares
      // names with strcasecmp (which stops at the NUL), so whether it finds hz
      // depends on its random hash seed: it answered both ways in our runs.
      ['CONFIG', 'GET', 'hz', 'HZ'],
      ['CONFIG', 'GET', 'HZ', 'hz'],
      ['CONFIG', 'GET', 'nosuch', 'timeout', 'nosuch2'],
    ]);
  });

  test('patterns', async () => {
    await d.run([
      ['CONFIG', 'GET', 'h?'],
      ['CONFIG', 'GET', 'H?'],
      ['CONFIG', 'GET', 'proto*'],
      ['CONFIG', 'GET', 'list-compress-*'],
      ['CONFIG', 'GET', 'max[c]lients'],
      ['CONFIG', 'GET', 'no*such*'],
      ['CONFIG', 'GET', 'hz', 'h?'],
      ['CONFIG', 'GET', 'h?', 'HZ'],
    ]);
    expect(await sameSet(['CONFIG', 'GET', 'hash-max-*'])).toHaveLength(4);
    expect(await sameSet(['CONFIG', 'GET', 'zset-max-*'])).toHaveLength(4);
    expect(await sameSet(['CONFIG', 'GET', '*ziplist*'])).toHaveLength(5);
    expect(await sameSet(['CONFIG', 'GET', 'slowlog*'])).toHaveLength(2);
    expect(await sameSet(['CONFIG', 'GET', 'tcp-*'])).toHaveLength(2);
    expect(await sameSet(['CONFIG', 'GET', 'timeout', 'tcp-*', 'TIMEOUT'])).toHaveLength(3);
  });

  test('RESP3 map', async () => {
    await d.run([['CONFIG', 'GET', 'hz'], ['CONFIG', 'GET', 'nosuch'], ['CONFIG', 'GET', 'HZ', 'hz']], { resp: 3 });
    expect(await sameSet(['CONFIG', 'GET', 'hash-max-*'], 3)).toHaveLength(4);
  });

  test('arity and subcommands', async () => {
    await d.run([['CONFIG', 'GET'], ['CONFIG'], ['CONFIG', 'FOO'], ['CONFIG', 'HELP'], ['config', 'help', 'x']]);
    await d.run([['CONFIG', 'HELP']], { resp: 3 });
  });
});

describe('CONFIG SET', () => {
  test('errors, Redis 7.0 wording', async () => {
    await d.run([
      ['CONFIG', 'SET', 'hz'],
      ['CONFIG', 'SET', 'hz', '1', 'timeout'],
      ['CONFIG', 'SET', 'foo', 'bar'],
      ['CONFIG', 'SET', 'hz', 'abc'],
      ['CONFIG', 'SET', 'HZ', 'abc'],
      ['CONFIG', 'SET', 'hz', ''],
      ['CONFIG', 'SET', 'hz', '007'],
      ['CONFIG', 'SET', 'hz', '+5'],
      ['CONFIG', 'SET', 'hz', ' 5'],
      ['CONFIG', 'SET', 'hz', '-1'],
      ['CONFIG', 'SET', 'hz', '99999999999999999999'],
      ['CONFIG', 'SET', 'timeout', '-9223372036854775808'],
      ['CONFIG', 'SET', 'timeout', '1k'],
      ['CONFIG', 'SET', 'maxclients', '0'],
      ['CONFIG', 'SET', 'maxclients', '4294967296'],
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '-2'],
      ['CONFIG', 'SET', 'list-max-listpack-size', '-2147483649'],
      ['CONFIG', 'SET', 'databases', '3'],
      ['CONFIG', 'SET', 'DATABASES', '3'],
      ['CONFIG', 'SET', 'tcp-backlog', '3'],
      ['CONFIG', 'SET', 'logfile', 'x'],
      ['CONFIG', 'SET', 'pidfile', 'x'],
      ['CONFIG', 'SET', 'enable-debug-command', 'no'],
      ['CONFIG', 'SET', 'dir', '/tmp'],
      ['CONFIG', 'SET', 'loglevel', 'loud'],
      ['CONFIG', 'SET', 'protected-mode', 'maybe'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '5'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '5x'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '-1'],
      ['CONFIG', 'SET', 'client-query-buffer-limit', '1048575'],
      ['CONFIG', 'SET', 'hash-max-ziplist-entries', 'x'],
      ['CONFIG', 'SET', 'HASH-MAX-ZIPLIST-VALUE', '-1'],
      ['CONFIG', 'SET', 'zset-max-listpack-value', '1.5kb'],
      ['CONFIG', 'SET', 'hz', '5', 'hz', '6'],
      ['CONFIG', 'SET', 'hz', '5', 'HZ', '6'],
      ['CONFIG', 'SET', 'hz', '5', 'foo', '1'],
      ['CONFIG', 'SET', 'foo', '1', 'hz', 'x'],
      ['CONFIG', 'SET', 'hz', 'x', 'foo', '1'],
      ['CONFIG', 'SET', 'databases', '1', 'foo', '1'],
      ['CONFIG', 'SET', 'foo', '1', 'databases', '1'],
      ['CONFIG', 'SET', 'foo\x00\xff', '1'],
      ['CONFIG', 'GET', 'hz'],
    ]);
  });

  test('all or nothing', async () => {
    await d.run([
      ['CONFIG', 'SET', 'hz', '20', 'timeout', 'abc'],
      ['CONFIG', 'SET', 'timeout', '7', 'hz', '20', 'maxclients', '0'],
      ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'GET', 'timeout'],
    ]);
  });

  test('values are stored canonically', async () => {
    try {
      await d.run([
        ['CONFIG', 'SET', 'hz', '600'],
        ['CONFIG', 'GET', 'hz'],
        ['CONFIG', 'SET', 'hz', '0'],
        ['CONFIG', 'GET', 'hz'],
        ['CONFIG', 'SET', 'hz', '25', 'timeout', '30', 'tcp-keepalive', '0'],
        ['CONFIG', 'GET', 'hz'],
        ['CONFIG', 'GET', 'timeout'],
        ['CONFIG', 'GET', 'tcp-keepalive'],
        ['CONFIG', 'SET', 'proto-max-bulk-len', '2mb'],
        ['CONFIG', 'GET', 'proto-max-bulk-len'],
        ['CONFIG', 'SET', 'proto-max-bulk-len', '1G'],
        ['CONFIG', 'GET', 'proto-max-bulk-len'],
        ['CONFIG', 'SET', 'client-query-buffer-limit', '2MB'],
        ['CONFIG', 'GET', 'client-query-buffer-limit'],
        ['CONFIG', 'SET', 'client-query-buffer-limit', '1048576'],
        ['CONFIG', 'GET', 'client-query-buffer-limit'],
        ['CONFIG', 'SET', 'protected-mode', 'NO'],
        ['CONFIG', 'GET', 'protected-mode'],
        ['CONFIG', 'SET', 'loglevel', 'WARNING'],
        ['CONFIG', 'GET', 'loglevel'],
        ['CONFIG', 'SET', 'hash-max-ziplist-entries', '100'],
        ['CONFIG', 'GET', 'hash-max-listpack-entries'],
        ['CONFIG', 'SET', 'hash-max-ziplist-entries', '1', 'hash-max-listpack-entries', '2'],
        ['CONFIG', 'GET', 'hash-max-ziplist-entries'],
        ['CONFIG', 'SET', 'hash-max-listpack-value', '1kb'],
        ['CONFIG', 'GET', 'hash-max-listpack-value'],
        ['CONFIG', 'SET', 'list-max-listpack-size', '-5'],
        ['CONFIG', 'GET', 'list-max-ziplist-size'],
        ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1', 'slowlog-max-len', '9223372036854775807'],
        ['CONFIG', 'GET', 'slowlog-max-len'],
        ['CONFIG', 'SET', 'requirepass', 'a b\x00\xff'],
        ['CONFIG', 'GET', 'requirepass'],
        ['CONFIG', 'SET', 'requirepass', ''],
      ]);
      await d.run([['CONFIG', 'SET', 'timeout', '3'], ['CONFIG', 'GET', 'timeout']], { resp: 3 });
    } finally {
      await d.run([
        ['CONFIG', 'SET', 'hz', '10', 'timeout', '0', 'tcp-keepalive', '300', 'protected-mode', 'yes', 'loglevel', 'notice'],
        ['CONFIG', 'SET', 'proto-max-bulk-len', '512mb', 'client-query-buffer-limit', '1gb'],
        ['CONFIG', 'SET', 'hash-max-listpack-entries', '512', 'hash-max-listpack-value', '64', 'list-max-listpack-size', '-2'],
        ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128', 'requirepass', ''],
      ]);
    }
  });

  test('encoding thresholds and hz reach the layers that use them', async () => {
    try {
      await d.run([['CONFIG', 'SET', 'hash-max-listpack-entries', '2', 'zset-max-ziplist-value', '1k', 'list-max-ziplist-size', '7']]);
      expect(limits.hashMaxListpackEntries).toBe(2);
      expect(limits.zsetMaxListpackValue).toBe(1000);
      expect(limits.listMaxListpackSize).toBe(7);
    } finally {
      await d.run([['CONFIG', 'SET', 'zset-max-listpack-value', '64', 'list-max-listpack-size', '-2']]);
      await d.run([['CONFIG', 'SET', 'hash-max-listpack-entries', '512']]);
    }
  });

  test('requirepass applies to new AUTHs; empty password lets everyone in', async () => {
    const [ra, ka] = await d.connect();
    const [rb, kb] = await d.connect();
    try {
      await d.run([['CONFIG', 'SET', 'requirepass', 'sekret']]);
      for (const [x, y] of [[ra, ka], [rb, kb]] as const) {
        expect(await y.send(['PING'])).toBe(await x.send(['PING']));
      }
      const fresh = await RawClient.connect(d.kevyPort);
      const freshR = await RawClient.connect(d.redisPort);
      expect(await fresh.send(['GET', 'k'])).toBe(await freshR.send(['GET', 'k']));
      expect(await fresh.send(['AUTH', 'wrong'])).toBe(await freshR.send(['AUTH', 'wrong']));
      expect(await fresh.send(['AUTH', 'sekret'])).toBe(await freshR.send(['AUTH', 'sekret']));
      fresh.close();
      freshR.close();
    } finally {
      await d.run([['CONFIG', 'SET', 'requirepass', '']]);
    }
  });

  test('kevy-only refusals: Redis configs kevy lacks, port and bind while running', async () => {
    const c = await RawClient.connect(d.kevyPort);
    expect(await c.send(['CONFIG', 'SET', 'cluster-enabled', 'no'])).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'cluster-enabled') - kevy does not support this config yet\r\n",
    );
    expect(await c.send(['CONFIG', 'SET', 'port', '1'])).toMatch(/^-ERR CONFIG SET failed \(possibly related to argument 'port'\) - kevy cannot change/);
    expect(await c.send(['CONFIG', 'SET', 'port', 'x'])).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer\r\n",
    );
    // Setting the value it already has is no change, as in Redis.
    const port = d.kevy.server.config.get('port');
    expect(await c.send(['CONFIG', 'SET', 'port', port])).toBe('+OK\r\n');
    expect(await c.send(['CONFIG', 'SET', 'bind', '127.0.0.1'])).toBe('+OK\r\n');
    expect(await c.send(['CONFIG', 'SET', 'bind', '0.0.0.0'])).toMatch(/kevy cannot change/);
    c.close();
  });
});

describe('CONFIG RESETSTAT and REWRITE', () => {
  test('RESETSTAT resets the counters; REWRITE needs a config file', async () => {
    await d.run([['CONFIG', 'RESETSTAT'], ['CONFIG', 'RESETSTAT', 'x'], ['CONFIG', 'REWRITE'], ['CONFIG', 'REWRITE', 'x']]);
    const c = await RawClient.connect(d.kevyPort);
    await c.send(['PING']);
    await c.send(['NOSUCHCOMMAND']);
    expect(d.kevy.server.table.commands.get('ping')!.stats.calls).toBeGreaterThan(0);
    expect(d.kevy.server.stats.totalErrorReplies).toBeGreaterThan(0);
    expect(await c.send(['CONFIG', 'RESETSTAT'])).toBe('+OK\r\n');
    expect(d.kevy.server.table.commands.get('ping')!.stats.calls).toBe(0);
    expect(d.kevy.server.stats.totalErrorReplies).toBe(0);
    expect(d.kevy.server.stats.errors.size).toBe(0);
    c.close();
  });

  test('REWRITE edits the file in place, keeps comments and includes, appends new lines once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-rewrite-'));
    const file = path.join(dir, 'kevy.conf');
    const inc = path.join(dir, 'inc.conf');
    fs.writeFileSync(inc, 'tcp-keepalive 60\n');
    fs.writeFileSync(file, `# my comment\nhz 12\n  hz 13\nhash-max-ziplist-entries 100\ninclude ${inc}\n\n# trailing\n`);
    const srv = await startServer({ port: 0, bind: '127.0.0.1', dir, configFile: file });
    try {
      const c = await RawClient.connect(srv.port);
      expect(await c.send(['CONFIG', 'GET', 'hz'])).toBe('*2\r\n$2\r\nhz\r\n$2\r\n13\r\n');
      expect(await c.send(['CONFIG', 'SET', 'hz', '20', 'maxclients', '100', 'requirepass', 'a b"c\x01', 'proto-max-bulk-len', '2mb'])).toBe('+OK\r\n');
      expect(await c.send(['CONFIG', 'REWRITE'])).toBe('+OK\r\n');
      const once = fs.readFileSync(file, 'latin1');
      expect(once).toBe(
        '# my comment\nhz 20\n\nhash-max-listpack-entries 100\n' +
          `include ${inc}\n\n# trailing\n\n# Generated by CONFIG REWRITE\n` +
          // Table order; tcp-keepalive came from the included file, so it lands in the main one (as in Redis).
          `bind 127.0.0.1\nport 0\ntcp-keepalive 60\ndir ${quote(dir)}\nloglevel warning\n` +
          'save 3600 1\nsave 300 100\nsave 60 10000\n' +
          'requirepass "a b\\"c\\x01"\nmaxclients 100\nproto-max-bulk-len 2mb\nlatency-tracking-info-percentiles 50 99 99.9\n' +
          `user default on #${sha256hex('a b"c\x01')} ~* &* +@all\n`,
      );
      // A second rewrite with one more change edits the generated block instead of adding another
      // (and keeps the file's empty last line, as Redis does).
      expect(await c.send(['CONFIG', 'SET', 'maxclients', '200'])).toBe('+OK\r\n');
      expect(await c.send(['CONFIG', 'REWRITE'])).toBe('+OK\r\n');
      const twice = fs.readFileSync(file, 'latin1');
      expect(twice).toBe(once.replace('maxclients 100', 'maxclients 200') + '\n');
      // The rewritten file loads back to the same values.
      const back = new Config();
      loadConfigText(back, twice, file);
      expect(back.get('requirepass')).toBe('a b"c\x01');
      expect(back.get('hz')).toBe('20');
      expect(back.get('proto-max-bulk-len')).toBe('2097152');
      c.close();
    } finally {
      await srv.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config file parsing (units)', () => {
  test('sdssplitargs', () => {
    expect(splitArgs('a  b\tc')).toEqual(['a', 'b', 'c']);
    expect(splitArgs('  ')).toEqual([]);
    expect(splitArgs('requirepass "a b\\"c\\n\\x41\\xzz"')).toEqual(['requirepass', 'a b"c\nAxzz']);
    expect(splitArgs("logfile 'it\\'s here'")).toEqual(['logfile', "it's here"]);
    expect(splitArgs('save ""')).toEqual(['save', '']);
    expect(splitArgs('a"b c"')).toEqual(['ab c']);
    expect(splitArgs('x "unterminated')).toBeNull();
    expect(splitArgs("x 'unterminated")).toBeNull();
    expect(splitArgs('x "closed"right')).toBeNull();
    // Only space, \t, \n, \r end an unquoted word; any isspace() char separates words.
    expect(splitArgs('a\vb \vc\f')).toEqual(['a\vb', 'c\f']);
    expect(splitArgs('"a"\v b')).toEqual(['a', 'b']);
    // The line ends at a NUL byte, as the C string does.
    expect(splitArgs('a\0b c')).toEqual(['a']);
    expect(splitArgs('"a\0b"')).toBeNull();
  });

  test('memory units', () => {
    expect(parseMemory('1k')).toBe(1000n);
    expect(parseMemory('1kb')).toBe(1024n);
    expect(parseMemory('1M')).toBe(1000000n);
    expect(parseMemory('64mb')).toBe(64n * 1024n * 1024n);
    expect(parseMemory('1GB')).toBe(1024n ** 3n);
    expect(parseMemory('10b')).toBe(10n);
    expect(parseMemory('-1')).toBeNull();
    expect(parseMemory('1.5k')).toBeNull();
    expect(parseMemory('1tb')).toBeNull();
  });

  test('errors carry file:line, the line and the reason', () => {
    const cfg = new Config();
    const bad = (text: string) => {
      try {
        loadConfigText(cfg, text, 'my.conf');
      } catch (e) {
        const err = e as ConfigFileError;
        return [err.where, err.line, err.reason];
      }
      return null;
    };
    expect(bad('# c\n\nport abc\n')).toEqual(['my.conf:3', 'port abc', "argument couldn't be parsed into an integer"]);
    expect(bad('nosuch 1')).toEqual(['my.conf:1', 'nosuch 1', 'Bad directive or wrong number of arguments']);
    expect(bad('cluster-enabled yes')).toEqual(['my.conf:1', 'cluster-enabled yes', "'cluster-enabled' is a Redis directive that kevy does not support yet"]);
    expect(bad('port 1 2')).toEqual(['my.conf:1', 'port 1 2', 'wrong number of arguments']);
    expect(bad('port "1')).toEqual(['my.conf:1', 'port "1', 'Unbalanced quotes in configuration line']);
    expect(bad('include /nonexistent/kevy.conf')![2]).toBe("Fatal error, can't open config file '/nonexistent/kevy.conf': No such file or directory");
    // Deprecated directives Redis ignores are ignored here too.
    expect(bad('list-max-ziplist-entries 5\nlua-replicate-commands yes')).toBeNull();
    expect(bad('PORT 7000\nProtected-Mode NO\nproto-max-bulk-len 64mb')).toBeNull();
    expect(cfg.get('port')).toBe('7000');
    expect(cfg.get('protected-mode')).toBe('no');
    expect(cfg.get('proto-max-bulk-len')).toBe(String(64 * 1024 * 1024));
  });

  const SHIPPED_DIFFERENT: Record<string, string> = { appendonly: 'yes' };

  test('the shipped kevy.conf loads and documents every directive', () => {
    const text = fs.readFileSync(path.join(__dirname, '..', 'kevy.conf'), 'latin1');
    const cfg = new Config();
    loadConfigText(cfg, text, 'kevy.conf');
    for (const dir of DIRECTIVES) {
      expect(text, dir.name).toMatch(new RegExp(`^(# )?${dir.name} `, 'm'));
      // The shipped file differs from the defaults only where it says why (appendonly).
      expect(cfg.get(dir.name), dir.name).toBe(SHIPPED_DIFFERENT[dir.name] ?? cfg.defaultOf(dir));
    }
    expect(text).toMatch(/^# dir \.\/data$/m);
  });

  test('rewriteText on an empty file writes what differs from the defaults, and what Redis always writes', () => {
    const cfg = new Config();
    // What Redis always writes: dir, the save points, the percentiles, the default user.
    const always = (extra: string) =>
      `# Generated by CONFIG REWRITE\n${extra}dir ${quote(cfg.get('dir'))}\nsave 3600 1\nsave 300 100\nsave 60 10000\n` +
      'latency-tracking-info-percentiles 50 99 99.9\nuser default on nopass ~* &* +@all\n';
    // Redis leaves out its own default bind, `* -::*`; kevy writes it (its own default is loopback).
    cfg.set('bind', ['*', '-::*']);
    expect(rewriteText(cfg, '')).toBe(always('bind * -::*\n'));
    cfg.set('hz', '50');
    cfg.set('bind', ['127.0.0.1', '::1']);
    expect(rewriteText(cfg, '')).toBe(always('bind 127.0.0.1 ::1\n').replace('save 3600 1', 'hz 50\nsave 3600 1'));
  });
});

describe('client-query-buffer-limit set at run time', () => {
  /** Whether the server drops a client that has sent `bytes` of a 3 MB bulk after CONFIG SET client-query-buffer-limit 1mb. */
  async function dropped(port: number, bytes: number): Promise<boolean> {
    const admin = await RawClient.connect(port);
    expect(await admin.send(['CONFIG', 'SET', 'client-query-buffer-limit', '1mb'])).toBe('+OK\r\n');
    const c = await RawClient.connect(port);
    const reply = c.sendRaw(Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n'), Buffer.alloc(bytes, 0x78)]));
    const closed = await Promise.race([reply.then((r) => r === '<closed>'), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
    c.close();
    expect(await admin.send(['CONFIG', 'SET', 'client-query-buffer-limit', '1gb'])).toBe('+OK\r\n');
    admin.close();
    return closed;
  }

  test('a client past the new limit is dropped, one under it is not, as by redis-server', async () => {
    const redis = await startRedis();
    const kevy = await startKevy();
    try {
      for (const [bytes, want] of [[1_500_000, true], [600_000, false]] as const) {
        expect(await dropped(redis.port, bytes), `redis, ${bytes} bytes`).toBe(want);
        expect(await dropped(kevy.port, bytes), `kevy, ${bytes} bytes`).toBe(want);
      }
    } finally {
      await redis.stop();
      await kevy.close();
    }
  });
});

test('latency-tracking-info-percentiles: one value in a config file is split at blanks, as by redis-server', async () => {
  // Redis's MULTI_ARG_CONFIG: a lone argument is split again (sdssplitargs); CONFIG SET splits at each space.
  for (const v of ['50  99 ', '50\t99', ' 0 100', '10']) {
    const redis = await startRedis(['--latency-tracking-info-percentiles', v]);
    const c = await RawClient.connect(redis.port);
    try {
      const cfg = new Config();
      loadConfigText(cfg, `latency-tracking-info-percentiles ${quote(v)}\n`, 'kevy.conf');
      const want = await c.send(['CONFIG', 'GET', 'latency-tracking-info-percentiles']);
      expect(want, JSON.stringify(v)).toBe(`*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$${cfg.get('latency-tracking-info-percentiles').length}\r\n${cfg.get('latency-tracking-info-percentiles')}\r\n`);
    } finally {
      c.close();
      await redis.stop();
    }
  }
});
