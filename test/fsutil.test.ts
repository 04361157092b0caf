/**
 * AsyncFile (src/persistence/fsutil.ts): the temp file of BGSAVE and of an
 * AOF rewrite. Many small writes reach the disk as a few big writevs, in
 * order, and commit() writes what is left however little.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { AsyncFile, unwritten } from '../src/persistence/fsutil';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-fsutil-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

test('3,000 small writes: a few writevs, the bytes in order, the rest written at commit', async () => {
  const dir = tempDir();
  const spy = vi.spyOn(fs, 'writev');
  const f = await AsyncFile.create(path.join(dir, 'tmp'));
  const parts: Buffer[] = [];
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.alloc(1000 + (i % 7), 97 + (i % 26));
    parts.push(b);
    f.write(b);
  }
  await f.commit(path.join(dir, 'out'));
  expect(fs.readFileSync(path.join(dir, 'out')).equals(Buffer.concat(parts))).toBe(true);
  expect(fs.existsSync(path.join(dir, 'tmp'))).toBe(false);
  // 3 MB in 1 MB batches: 3 writevs, not 3,000 writes.
  expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2);
  expect(spy.mock.calls.length).toBeLessThanOrEqual(4);
});

test('less than a batch is written at commit; an abort removes the temp file', async () => {
  const dir = tempDir();
  const f = await AsyncFile.create(path.join(dir, 'tmp'));
  f.write(Buffer.from('hello '));
  f.write(Buffer.from('world'));
  expect(f.pending).toBe(11);
  await f.commit(path.join(dir, 'out'));
  expect(fs.readFileSync(path.join(dir, 'out'), 'latin1')).toBe('hello world');

  const g = await AsyncFile.create(path.join(dir, 'tmp2'));
  g.write(Buffer.alloc(2 << 20));
  g.abort();
  await new Promise((r) => setTimeout(r, 50));
  expect(fs.existsSync(path.join(dir, 'tmp2'))).toBe(false);
});

test('unwritten(): what a short writev left', () => {
  const bufs = [Buffer.from('abc'), Buffer.from('de'), Buffer.from('fgh')];
  const s = (b: Buffer[]) => Buffer.concat(b).toString('latin1');
  expect(s(unwritten(bufs, 0))).toBe('abcdefgh');
  expect(s(unwritten(bufs, 2))).toBe('cdefgh');
  expect(s(unwritten(bufs, 3))).toBe('defgh');
  expect(s(unwritten(bufs, 4))).toBe('efgh');
  expect(unwritten(bufs, 8)).toEqual([]);
});
