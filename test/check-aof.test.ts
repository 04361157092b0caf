/**
 * kevy-check-aof against redis-check-aof 7.0: the same files (good, torn at
 * every byte, bytes flipped in the middle, MULTI blocks, annotations, RDB
 * base, several incr files, bad manifests) give the same report, the same
 * exit status and, with --fix, the same file afterwards. Each tool runs on
 * its own copy of the directory.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeCommand } from '../src/persistence/aof-reader';
import { checkAof } from '../src/persistence/check-aof';
import { startServer } from '../src/index';
import { RawClient } from './helpers/resp';
import { ROOT } from './helpers/child';

let tmp = '';
let rdbBase: Buffer;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-checkaof-'));
  // A real base RDB written by kevy's BGREWRITEAOF.
  const dir = path.join(tmp, 'gen');
  fs.mkdirSync(dir);
  const srv = await startServer({ port: 0, bind: '127.0.0.1', dir, config: { appendonly: 'yes' } });
  const c = await RawClient.connect(srv.port);
  await c.send(['SET', 'k', 'v']);
  await c.send(['HSET', 'h', 'f', '1']);
  await c.send(['PEXPIREAT', 'k', '99999999999999']);
  c.close();
  await srv.server.shutdown(100);
  const ad = path.join(dir, 'appendonlydir');
  const base = fs.readdirSync(ad).find((f) => f.includes('.base.rdb'));
  expect(base).toBeDefined();
  rdbBase = fs.readFileSync(path.join(ad, base!));
}, 60000);

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const cmd = (...argv: string[]) => encodeCommand(argv);
const BODY = cmd('SELECT', '0') + cmd('SET', 'a', '1') + cmd('SET', 'b', 'x\x00\xff\r\n') + cmd('INCR', 'c');
const TX = cmd('MULTI') + cmd('SET', 'x', 'y') + cmd('INCR', 'n') + cmd('EXEC');

let seq = 0;
/** A directory of files (latin1 text or bytes); returns its path. */
function makeDir(files: Record<string, string | Buffer>): string {
  const d = path.join(tmp, `case${seq++}`);
  fs.mkdirSync(d);
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(d, name), typeof content === 'string' ? Buffer.from(content, 'latin1') : content);
  }
  return d;
}

function manifest(...lines: string[]): string {
  return lines.map((l) => l + '\n').join('');
}

const MANIFEST = 'appendonly.aof.manifest';

interface Run {
  out: string;
  status: number;
  files: Record<string, string>;
}

function snapshotDir(d: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const f of fs.readdirSync(d).sort()) r[f] = fs.readFileSync(path.join(d, f), 'latin1');
  return r;
}

/** Strips what differs by nature: the tool's name and the pid/time of log lines. */
function normalize(s: string): string {
  return s
    .replace(/redis-check-aof|kevy-check-aof/g, 'TOOL')
    .replace(/^\d+:C \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} # /gm, 'LOG # ');
}

function runRedis(src: string, args: string[], input = ''): Run {
  const d = src + '-redis';
  fs.cpSync(src, d, { recursive: true });
  const r = spawnSync('redis-check-aof', args, { cwd: d, input, encoding: 'latin1' });
  return { out: normalize(r.stdout), status: r.status ?? -1, files: snapshotDir(d) };
}

function runKevy(src: string, args: string[], input = ''): Run {
  const d = src + '-kevy';
  fs.cpSync(src, d, { recursive: true });
  let out = '';
  const cwd = process.cwd();
  process.chdir(d);
  try {
    let answered = false;
    const status = checkAof(args, {
      out: (s) => (out += s),
      ask: () => {
        if (answered || input === '') return null;
        answered = true;
        return input.split('\n')[0];
      },
    });
    return { out: normalize(out), status, files: snapshotDir(d) };
  } finally {
    process.chdir(cwd);
  }
}

function same(src: string, args: string[], input = ''): Run {
  const theirs = runRedis(src, args, input);
  const ours = runKevy(src, args, input);
  expect(ours.out).toBe(theirs.out);
  expect(ours.status).toBe(theirs.status);
  expect(ours.files).toEqual(theirs.files);
  return ours;
}

describe('valid files', () => {
  test('RDB base + incr files, RESP base, empty files, annotations, MULTI blocks', () => {
    const d = makeDir({
      'appendonly.aof.1.base.rdb': rdbBase,
      'appendonly.aof.1.incr.aof': BODY,
      'appendonly.aof.2.incr.aof': '#TS:1700000000\r\n' + TX + BODY,
      'appendonly.aof.3.incr.aof': '',
      [MANIFEST]: manifest(
        'file appendonly.aof.1.base.rdb seq 1 type b',
        'file appendonly.aof.0.incr.aof seq 9 type h',
        'file appendonly.aof.1.incr.aof seq 1 type i',
        'file appendonly.aof.2.incr.aof seq 2 type i',
        'file appendonly.aof.3.incr.aof seq 3 type i',
      ),
    });
    const r = same(d, [MANIFEST]);
    expect(r.status).toBe(0);
    expect(r.out).toContain('All AOF files and manifest are valid');
    const resp = makeDir({
      'b.aof': BODY,
      'i.aof': BODY,
      [MANIFEST]: manifest('file b.aof seq 1 type b', 'file i.aof seq 1 type i'),
    });
    expect(same(resp, [MANIFEST]).out).toContain('Start to check BASE AOF (RESP format).');
    // Odd but accepted by redis-check-aof: "*\r\n", "*-1\r\n", "*  +1", a cut annotation at the end.
    const odd = makeDir({ 'i.aof': BODY + '*\r\n*-1\r\n*  +1\r\n$1\r\nx\r\n#TS:12', [MANIFEST]: manifest('file i.aof seq 1 type i') });
    expect(same(odd, [MANIFEST]).status).toBe(0);
  });

  test('old-style AOF files given directly: RESP, RDB preamble with a RESP tail, empty', () => {
    expect(same(makeDir({ 'a.aof': BODY + TX }), ['a.aof']).out).toContain('Start checking Old-Style AOF');
    const pre = same(makeDir({ 'a.aof': Buffer.concat([rdbBase, Buffer.from(BODY, 'latin1')]) }), ['a.aof']);
    expect(pre.out).toContain('RDB preamble is OK, proceeding with AOF tail...');
    expect(same(makeDir({ 'a.aof': '' }), ['a.aof']).out).toContain('is empty');
  });
});

describe('damaged files: same verdict, offsets and line counts', () => {
  test('the last incr file torn at every byte', () => {
    const whole = BODY + TX;
    for (let cut = 1; cut < whole.length; cut++) {
      const d = makeDir({
        'appendonly.aof.1.base.rdb': rdbBase,
        'appendonly.aof.1.incr.aof': BODY,
        'appendonly.aof.2.incr.aof': whole.slice(0, cut),
        [MANIFEST]: manifest(
          'file appendonly.aof.1.base.rdb seq 1 type b',
          'file appendonly.aof.1.incr.aof seq 1 type i',
          'file appendonly.aof.2.incr.aof seq 2 type i',
        ),
      });
      same(d, [MANIFEST]);
    }
  }, 120000);

  test('every byte of a command replaced by garbage, zero, CR, LF, "*" and "$"', () => {
    const whole = cmd('SET', 'a', '1') + cmd('SET', 'kk', 'vv') + cmd('DEL', 'a');
    const from = cmd('SET', 'a', '1').length;
    const to = from + cmd('SET', 'kk', 'vv').length;
    for (let i = from; i < to; i++) {
      for (const ch of ['X', '\x00', '\r', '\n', '*', '$', '\xff', '9']) {
        if (whole[i] === ch) continue;
        const d = makeDir({ 'a.aof': whole.slice(0, i) + ch + whole.slice(i + 1) });
        same(d, ['a.aof']);
      }
    }
  }, 120000);

  test('MULTI without EXEC, nested MULTI, EXEC without MULTI, negative and huge lengths, a long line', () => {
    const cases = [
      BODY + cmd('MULTI') + cmd('SET', 'x', 'y'),
      BODY + cmd('MULTI') + cmd('multi'),
      BODY + cmd('EXEC'),
      BODY + '*1\r\n$-3\r\n',
      BODY + '*1\r\n$9223372036854775807\r\n',
      BODY + '*99999999999999999999\r\n',
      BODY + '*1\r\n$' + '1'.repeat(200) + '\r\n',
      BODY + '#' + 'a'.repeat(1500) + '\r\n' + BODY,
      '\x80' + BODY,
    ];
    for (const c of cases) same(makeDir({ 'a.aof': c }), ['a.aof']);
  });

  test('a damaged file that is not the last one, a missing file, a damaged RDB base', () => {
    const m = manifest('file b.aof seq 1 type b', 'file i.aof seq 1 type i');
    same(makeDir({ 'b.aof': BODY.slice(0, -3), 'i.aof': BODY, [MANIFEST]: m }), [MANIFEST]);
    same(makeDir({ 'b.aof': BODY.slice(0, -3), 'i.aof': BODY, [MANIFEST]: m }), ['--fix', MANIFEST], 'y\n');
    same(makeDir({ 'b.aof': BODY, [MANIFEST]: m }), [MANIFEST]);
    const bad = Buffer.from(rdbBase);
    bad[bad.length - 3] ^= 0xff; // checksum
    same(makeDir({ 'b.rdb': bad, 'i.aof': BODY, [MANIFEST]: manifest('file b.rdb seq 1 type b', 'file i.aof seq 1 type i') }), [MANIFEST]);
  });

  test('bad manifests', () => {
    const cases = [
      manifest('file a seq 1 type b', 'file b seq 1 type b'),
      manifest('file a.aof seq 1 type i', 'file b.aof seq 1 type i'),
      manifest('file a.aof seq 1 type x'),
      manifest('file a.aof seq 1 type i', 'file dir/b.aof seq 2 type i'),
      manifest('file a.aof seq 1 type i', '', 'file b.aof seq 2 type i'),
      manifest('file a.aof seq 1 type i', 'file b.aof seq 2'),
      manifest('file a.aof seq 1 type i', 'file b.aof seq 2 type i ' + 'x '.repeat(600)),
      'file a.aof seq 1 type i\nfile b.aof seq 2 type i',
    ];
    for (const m of cases) same(makeDir({ 'a.aof': BODY, 'b.aof': BODY, [MANIFEST]: m }), [MANIFEST]);
  });
});

describe('--fix', () => {
  const torn = () =>
    makeDir({
      'b.aof': BODY,
      'i.aof': BODY + TX.slice(0, -5),
      [MANIFEST]: manifest('file b.aof seq 1 type b', 'file i.aof seq 1 type i'),
    });

  test('"y" truncates the last file to the last complete command, anything else aborts', () => {
    const r = same(torn(), ['--fix', MANIFEST], 'y\n');
    expect(r.status).toBe(0);
    expect(r.files['i.aof']).toBe(BODY);
    expect(r.out).toContain('Successfully truncated AOF i.aof');
    for (const answer of ['n\n', '', 'yes-but-no\n', 'Y\n']) same(torn(), ['--fix', MANIFEST], answer);
    same(makeDir({ 'a.aof': BODY + cmd('MULTI') + cmd('SET', 'x', 'y') }), ['--fix', 'a.aof'], 'y\n');
  });

  test('--yes answers for the operator (a kevy addition); the fixed AOF then checks valid', () => {
    const d = torn();
    const r = runKevy(d, ['--fix', '--yes', MANIFEST]);
    expect(r.status).toBe(0);
    expect(r.files['i.aof']).toBe(BODY);
    expect(r.out).toContain('Continue? [y/N]: y (--yes)\nSuccessfully truncated AOF i.aof\n');
    // Redis's tool agrees the fixed directory is valid.
    const check = spawnSync('redis-check-aof', [MANIFEST], { cwd: d + '-kevy', encoding: 'latin1' });
    expect(check.status).toBe(0);
  });

  test('the bin entry: exit status, prompt from stdin', () => {
    const d = torn();
    const bin = path.join(ROOT, 'bin', 'kevy-check-aof');
    const bad = spawnSync(process.execPath, [bin, MANIFEST], { cwd: d, encoding: 'latin1' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('AOF i.aof is not valid. Use the --fix option to try fixing it.');
    const no = spawnSync(process.execPath, [bin, '--fix', MANIFEST], { cwd: d, input: 'n\n', encoding: 'latin1' });
    expect(no.status).toBe(1);
    expect(no.stdout).toContain('Aborting...');
    const fixed = spawnSync(process.execPath, [bin, '--fix', MANIFEST], { cwd: d, input: 'y\n', encoding: 'latin1' });
    expect(fixed.status).toBe(0);
    expect(fs.readFileSync(path.join(d, 'i.aof'), 'latin1')).toBe(BODY);
    const usage = spawnSync(process.execPath, [bin], { cwd: d, encoding: 'latin1' });
    expect(usage.status).toBe(1);
    expect(usage.stdout).toMatch(/^Usage: kevy-check-aof /);
  });
});

describe('--truncate-to-timestamp and arguments', () => {
  test('cuts the last file at the first annotation after the time; refuses a non-last file', () => {
    const i = '#TS:100\r\n' + BODY + '#TS:200\r\n' + TX + '#TS:300\r\n' + BODY;
    const m = manifest('file b.aof seq 1 type b', 'file i.aof seq 1 type i');
    for (const t of ['50', '100', '150', '250', '300', '400']) {
      same(makeDir({ 'b.aof': BODY, 'i.aof': i, [MANIFEST]: m }), ['--truncate-to-timestamp', t, MANIFEST]);
    }
    same(makeDir({ 'b.aof': i, 'i.aof': BODY, [MANIFEST]: m }), ['--truncate-to-timestamp', '150', MANIFEST]);
    same(makeDir({ 'b.aof': BODY, 'i.aof': i, [MANIFEST]: m }), ['--truncate-to-timestamp', '15x', MANIFEST]);
  });

  test('usage errors and missing files', () => {
    const d = makeDir({ 'a.aof': BODY });
    for (const args of [[], ['--fix'], ['--foo', 'a.aof'], ['a.aof', 'b.aof', 'c.aof', 'd.aof'], ['missing.aof'], ['--fix', 'missing.aof']]) {
      same(d, args);
    }
  });
});
