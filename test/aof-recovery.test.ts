/**
 * AOF loading and recovery (src/persistence/aof-load.ts): torn tails cut at
 * every byte of the last command, zero-filled and garbage tails, an
 * unfinished MULTI, and the corruptions that must stop startup (invariant
 * "no-black-hole": a flipped byte mid-file, a tail over the limit, a torn
 * non-last file, a missing file, a bad manifest), with the files untouched.
 */
import { afterEach, describe, expect, test } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../src/index';
import { RawClient } from './helpers/resp';
import { encodeCommand } from '../src/persistence/aof-reader';

const running: RunningServer[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) await s.server.shutdown(100);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const cmd = (...argv: string[]) => encodeCommand(argv);
const SELECT0 = cmd('SELECT', '0');
const SET_A = cmd('SET', 'a', '1');
const SET_B = cmd('SET', 'b', 'x\x00\xff');

/** A data dir with an empty RESP base and the given incr files (latin1 contents). */
function makeDir(incrs: string[], manifestExtra = ''): { dir: string; aofDir: string; file: (i: number) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-aofrec-'));
  dirs.push(dir);
  const aofDir = path.join(dir, 'appendonlydir');
  fs.mkdirSync(aofDir);
  fs.writeFileSync(path.join(aofDir, 'appendonly.aof.1.base.aof'), '');
  let m = 'file appendonly.aof.1.base.aof seq 1 type b\n';
  incrs.forEach((content, i) => {
    fs.writeFileSync(path.join(aofDir, `appendonly.aof.${i + 1}.incr.aof`), Buffer.from(content, 'latin1'));
    m += `file appendonly.aof.${i + 1}.incr.aof seq ${i + 1} type i\n`;
  });
  fs.writeFileSync(path.join(aofDir, 'appendonly.aof.manifest'), m + manifestExtra);
  return { dir, aofDir, file: (i) => path.join(aofDir, `appendonly.aof.${i + 1}.incr.aof`) };
}

async function start(dir: string, config: Record<string, string> = {}): Promise<RunningServer> {
  const srv = await startServer({ port: 0, bind: '127.0.0.1', dir, config: { appendonly: 'yes', ...config } });
  running.push(srv);
  return srv;
}

async function get(srv: RunningServer, ...argv: string[]): Promise<string> {
  const c = await RawClient.connect(srv.port);
  try {
    return await c.send(argv);
  } finally {
    c.close();
  }
}

function quarantined(aofDir: string): string[] {
  return fs.readdirSync(aofDir).filter((f) => f.includes('.quarantine.'));
}

describe('torn tail of the last file', () => {
  test('cut at every byte offset of the last command: truncated to the last complete command', async () => {
    const whole = SELECT0 + SET_A;
    for (let cut = 1; cut < SET_B.length; cut++) {
      const { dir, aofDir, file } = makeDir([whole + SET_B.slice(0, cut)]);
      const srv = await start(dir);
      expect(await get(srv, 'GET', 'a')).toBe('$1\r\n1\r\n');
      expect(await get(srv, 'EXISTS', 'b')).toBe(':0\r\n');
      expect(fs.statSync(file(0)).size).toBe(whole.length);
      const info = await get(srv, 'INFO', 'persistence');
      expect(info).toContain('aof_last_load_status:truncated');
      expect(info).toContain(`aof_last_load_truncated_bytes:${cut}`);
      const q = quarantined(aofDir);
      expect(q.length).toBe(1);
      expect(fs.readFileSync(path.join(aofDir, q[0]), 'latin1')).toBe(SET_B.slice(0, cut));
      // New writes land right after the last complete command and survive a restart.
      expect(await get(srv, 'SET', 'c', '3')).toBe('+OK\r\n');
      await srv.server.shutdown(100);
      running.splice(running.indexOf(srv), 1);
      const again = await start(dir);
      expect(await get(again, 'MGET', 'a', 'b', 'c')).toBe('*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n');
      expect(await get(again, 'INFO', 'persistence')).toContain('aof_last_load_status:ok');
      await again.server.shutdown(100);
      running.splice(running.indexOf(again), 1);
    }
  });

  test('aof-load-truncated no: a torn tail stops startup and the file is left alone', async () => {
    const content = SELECT0 + SET_A + SET_B.slice(0, 7);
    const { dir, file } = makeDir([content]);
    await expect(start(dir, { 'aof-load-truncated': 'no' })).rejects.toThrow(/Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof/);
    expect(fs.readFileSync(file(0), 'latin1')).toBe(content);
  });

  test('an unfinished MULTI at the end is dropped', async () => {
    const content = SELECT0 + SET_A + cmd('MULTI') + cmd('SET', 'b', '2') + cmd('INCR', 'a');
    const { dir, file } = makeDir([content]);
    const srv = await start(dir);
    expect(await get(srv, 'MGET', 'a', 'b')).toBe('*2\r\n$1\r\n1\r\n$-1\r\n');
    expect(fs.statSync(file(0)).size).toBe((SELECT0 + SET_A).length);
  });

  test('a torn command inside a MULTI block cuts back to before the MULTI', async () => {
    const content = SELECT0 + SET_A + cmd('MULTI') + cmd('SET', 'b', '2') + cmd('INCR', 'a').slice(0, 9);
    const { dir, file } = makeDir([content]);
    const srv = await start(dir);
    expect(await get(srv, 'MGET', 'a', 'b')).toBe('*2\r\n$1\r\n1\r\n$-1\r\n');
    expect(fs.statSync(file(0)).size).toBe((SELECT0 + SET_A).length);
  });
});

describe('zero-filled and garbage tails (beyond Redis 7.0)', () => {
  for (const [name, tail] of [
    ['zero bytes', '\x00'.repeat(300)],
    ['garbage', 'zq\xff\x01garbage\r\n'.repeat(20)],
    ['a command followed by zeros', SET_B + '\x00'.repeat(100)],
  ] as const) {
    test(`${name} within aof-load-corrupt-tail-max-size: quarantined and truncated`, async () => {
      const good = SELECT0 + SET_A + (name.startsWith('a command') ? SET_B : '');
      const bad = name.startsWith('a command') ? '\x00'.repeat(100) : tail;
      const { dir, aofDir, file } = makeDir([good + bad]);
      const srv = await start(dir);
      expect(await get(srv, 'GET', 'a')).toBe('$1\r\n1\r\n');
      expect(fs.statSync(file(0)).size).toBe(good.length);
      const q = quarantined(aofDir);
      expect(q.length).toBe(1);
      expect(fs.readFileSync(path.join(aofDir, q[0]), 'latin1')).toBe(bad);
      expect(await get(srv, 'INFO', 'persistence')).toContain(`aof_last_load_truncated_bytes:${bad.length}`);
    });
  }

  test('no-black-hole: a zero tail longer than the limit stops startup, nothing is removed', async () => {
    const content = SELECT0 + SET_A + '\x00'.repeat(5000);
    const { dir, aofDir, file } = makeDir([content]);
    await expect(start(dir)).rejects.toThrow(/Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof at offset \d+ \(line \d+\)[\s\S]*kevy-check-aof/);
    expect(fs.readFileSync(file(0), 'latin1')).toBe(content);
    expect(quarantined(aofDir)).toEqual([]);
    // A bigger limit accepts it.
    const srv = await start(dir, { 'aof-load-corrupt-tail-max-size': '8kb' });
    expect(await get(srv, 'GET', 'a')).toBe('$1\r\n1\r\n');
  });
});

describe('no-black-hole: corruption that stops startup', () => {
  test('a flipped byte in the middle of a file: file, offset and line are reported; the file is untouched', async () => {
    const content = SELECT0 + SET_A + SET_B + cmd('SET', 'c', '3');
    const flipped = Buffer.from(content, 'latin1');
    const at = (SELECT0 + SET_A).length; // the '*' of SET b
    flipped[at] = 0x2b;
    const { dir, file } = makeDir(['']);
    fs.writeFileSync(file(0), flipped);
    let msg = '';
    await start(dir).catch((e: Error) => (msg = e.message));
    expect(msg).toContain(`appendonly.aof.1.incr.aof at offset ${at} (line 13)`);
    expect(msg).toContain('kevy-check-aof');
    expect(fs.readFileSync(file(0)).equals(flipped)).toBe(true);
  });

  test('a flipped byte inside an argument length', async () => {
    const content = SELECT0 + SET_A + SET_B + cmd('SET', 'c', '3');
    const at = content.indexOf('$3\r\nSET', SELECT0.length + SET_A.length) + 1;
    const bad = content.slice(0, at) + 'x' + content.slice(at + 1);
    const { dir, file } = makeDir([bad]);
    await expect(start(dir)).rejects.toThrow(/Bad file format/);
    expect(fs.readFileSync(file(0), 'latin1')).toBe(bad);
  });

  test('a torn tail in a file that is not the last one', async () => {
    const first = SELECT0 + SET_A + SET_B.slice(0, 10);
    const { dir, file } = makeDir([first, SELECT0 + cmd('SET', 'c', '3')]);
    await expect(start(dir)).rejects.toThrow(/Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof[\s\S]*not the last file/);
    expect(fs.readFileSync(file(0), 'latin1')).toBe(first);
  });

  test('a file named in the manifest is missing', async () => {
    const { dir, file } = makeDir([SELECT0 + SET_A, SELECT0 + SET_B]);
    fs.rmSync(file(0));
    await expect(start(dir)).rejects.toThrow(/can't open the append log file appendonly\.aof\.1\.incr\.aof/);
    expect(fs.existsSync(file(1))).toBe(true);
  });

  test('a bad manifest: the line and Redis\'s reason', async () => {
    const { dir, aofDir } = makeDir([SELECT0 + SET_A]);
    const mf = path.join(aofDir, 'appendonly.aof.manifest');
    fs.appendFileSync(mf, 'file appendonly.aof.0.incr.aof seq 1 type i\n');
    await expect(start(dir)).rejects.toThrow(/at line 3[\s\S]*Found a non-monotonic sequence number/);
    fs.writeFileSync(mf, 'file x seq 1\n');
    await expect(start(dir)).rejects.toThrow(/Invalid AOF manifest file format/);
    fs.writeFileSync(mf, '');
    await expect(start(dir)).rejects.toThrow(/Found an empty AOF manifest/);
    fs.writeFileSync(mf, 'file a/b seq 1 type b\n');
    await expect(start(dir)).rejects.toThrow(/File can't be a path, just a filename/);
  });

  test('an unknown command stops startup', async () => {
    const { dir } = makeDir([SELECT0 + cmd('NOSUCHCMD', 'x')]);
    await expect(start(dir)).rejects.toThrow(/Unknown command 'NOSUCHCMD' reading the append only file/);
  });
});

describe('annotations', () => {
  test('#TS lines written by aof-timestamp-enabled are skipped when loading', async () => {
    const { dir } = makeDir(['#TS:1700000000\r\n' + SELECT0 + SET_A + '#TS:1700000001\r\n' + SET_B]);
    const srv = await start(dir);
    expect(await get(srv, 'MGET', 'a', 'b')).toBe('*2\r\n$1\r\n1\r\n$3\r\nx\x00\xff\r\n');
  });
});
