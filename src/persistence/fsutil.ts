/**
 * Durable file replacement, the way every snapshot reaches the disk:
 *
 *   write dir/temp-<pid>.rdb  ->  fsync it  ->  close  ->  rename over the
 *   target  ->  fsync the directory (so the rename itself survives a crash)
 *
 * Invariant ("old-or-new"): at any moment, a crash leaves the target either
 * as the previous complete file or as the new complete file, never a torn
 * one; a failed write removes the temp file and leaves the target untouched.
 *
 * Two flavours: SyncFile blocks (SAVE, SHUTDOWN, DEBUG RELOAD: Redis blocks
 * there too); AsyncFile gathers writes into 1 MB fs.writev calls on libuv's
 * thread pool, so BGSAVE keeps the event loop free.
 *
 *   const f = SyncFile.create(tmp);  f.write(buf);  f.commit(target);
 *   const a = await AsyncFile.create(tmp);  a.write(buf);  await a.commit(target);
 */
import fs from 'node:fs';
import path from 'node:path';

/** fsync a directory so a rename in it is durable (ignored where directories cannot be synced). */
export function fsyncDirSync(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw e;
  } finally {
    fs.closeSync(fd);
  }
}

function unlinkQuiet(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

/** A temp file written synchronously, then fsynced and renamed into place. */
export class SyncFile {
  private constructor(
    readonly tmp: string,
    private fd: number | null,
  ) {}

  static create(tmp: string): SyncFile {
    return new SyncFile(tmp, fs.openSync(tmp, 'w'));
  }

  write(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd!, buf, off, buf.length - off);
  }

  /** fsync, close, rename over target, fsync the directory. Throws (temp removed) on failure. */
  commit(target: string): void {
    try {
      fs.fsyncSync(this.fd!);
      const fd = this.fd!;
      this.fd = null;
      fs.closeSync(fd);
      fs.renameSync(this.tmp, target);
    } catch (e) {
      this.abort();
      throw e;
    }
    fsyncDirSync(path.dirname(target));
  }

  /** Closes and removes the temp file. */
  abort(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // closing a broken fd
      }
      this.fd = null;
    }
    unlinkQuiet(this.tmp);
  }
}

/**
 * Bytes an AsyncFile gathers before it writes them (commit() writes what is
 * left). A background save hands over the few KB each slice produced: one
 * fs.write each meant ~4,500 writes for 1,000,000 keys, which kept a
 * thread-pool thread busy in 50-80 us pieces, and on these 2 cores the
 * clients' own processes waited behind it (perf sched: a GET's reply sat 1.7
 * ms in the client's run queue). One writev of the gathered views costs
 * the event loop nothing (no copy).
 */
const WRITE_BATCH = 1 << 20;

/**
 * A temp file written off the event loop. write() queues a buffer and
 * returns at once; the queue is written once it holds WRITE_BATCH bytes, one
 * writev in flight at a time, so the file's bytes are in queue order. The
 * first error sticks: later writes are dropped and commit() rejects with it.
 * The fd is closed only when no operation on it is in flight, so a late
 * callback can never touch a reused descriptor.
 */
export class AsyncFile {
  private queue: Buffer[] = [];
  /** Bytes in `queue`. */
  private queued = 0;
  /** commit() is waiting: write whatever is queued, however little. */
  private flushing = false;
  private writing = false;
  private error: Error | null = null;
  private aborted = false;
  /** fs operations on fd in flight (write, fsync). */
  private busy = 0;
  private fdOpen = true;
  /** Bytes queued and not yet written. */
  pending = 0;
  /** Called whenever the writer goes idle (and on error), for back pressure. */
  onDrain: (() => void) | null = null;

  private constructor(
    readonly tmp: string,
    private readonly fd: number,
  ) {}

  static create(tmp: string): Promise<AsyncFile> {
    return new Promise((resolve, reject) => {
      fs.open(tmp, 'w', (err, fd) => (err ? reject(err) : resolve(new AsyncFile(tmp, fd))));
    });
  }

  get failed(): Error | null {
    return this.error;
  }

  write(buf: Buffer): void {
    if (this.error !== null || this.aborted || buf.length === 0) return;
    this.queue.push(buf);
    this.queued += buf.length;
    this.pending += buf.length;
    if (!this.writing && this.queued >= WRITE_BATCH) this.pump();
  }

  private pump(): void {
    const bufs = this.queue;
    if (bufs.length === 0 || this.aborted || this.error !== null || (!this.flushing && this.queued < WRITE_BATCH)) {
      this.writing = false;
      this.onDrain?.();
      return;
    }
    this.queue = [];
    this.queued = 0;
    this.writing = true;
    this.writeAll(bufs);
  }

  private writeAll(bufs: Buffer[]): void {
    this.busy++;
    fs.writev(this.fd, bufs, (err, n) => {
      this.busy--;
      if (this.aborted) {
        this.writing = false;
        this.closeIfIdle();
        return;
      }
      if (err) {
        this.error = err;
        this.pump();
        return;
      }
      this.pending -= n;
      const rest = unwritten(bufs, n);
      if (rest.length !== 0) this.writeAll(rest);
      else this.pump();
    });
  }

  private closeIfIdle(): void {
    if (this.fdOpen && this.busy === 0) {
      this.fdOpen = false;
      fs.close(this.fd, () => {});
    }
  }

  private drained(): Promise<void> {
    this.flushing = true;
    if (!this.writing) this.pump();
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => {
      const prev = this.onDrain;
      this.onDrain = () => {
        if (this.writing) return;
        this.onDrain = prev;
        resolve();
      };
    });
  }

  private check(): void {
    if (this.aborted) throw new Error('aborted');
    if (this.error !== null) throw this.error;
  }

  /** Waits for the queued writes, then fsync, close, rename over target, fsync the directory. */
  async commit(target: string): Promise<void> {
    try {
      await this.drained();
      this.check();
      this.busy++;
      const synced = await new Promise<Error | null>((resolve) => fs.fsync(this.fd, (e) => resolve(e)));
      this.busy--;
      if (synced !== null) this.error = synced;
      this.check();
      this.fdOpen = false;
      await new Promise<void>((resolve, reject) => fs.close(this.fd, (e) => (e ? reject(e) : resolve())));
      this.check();
      await fs.promises.rename(this.tmp, target);
    } catch (e) {
      this.abort();
      this.closeIfIdle();
      throw e;
    }
    await new Promise<void>((resolve) => {
      fs.open(path.dirname(target), 'r', (err, fd) => {
        if (err) return resolve();
        fs.fsync(fd, () => fs.close(fd, () => resolve()));
      });
    });
  }

  /** Drops queued writes, closes the file (once nothing is in flight) and removes it. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.queue = [];
    this.closeIfIdle();
    unlinkQuiet(this.tmp);
  }
}

/** What is left of bufs after their first n bytes were written. */
export function unwritten(bufs: Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < bufs.length && n >= bufs[i].length) n -= bufs[i++].length;
  if (i === bufs.length) return [];
  return [bufs[i].subarray(n), ...bufs.slice(i + 1)];
}
