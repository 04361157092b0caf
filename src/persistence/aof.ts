/**
 * The append-only file writer: every write's effect (server.onPropagate)
 * is appended as RESP to the current incr file of the multi-part AOF
 * (./aof-manifest.ts), under one of the three fsync policies.
 *
 *   appendfsync always    group commit: the effects of one event-loop turn
 *                         share one write() and one fdatasync(), both run in
 *                         libuv's thread pool while the loop goes on reading
 *                         and executing the next batch. Invariant
 *                         "ack-after-fsync": no client gets the reply of a
 *                         write, nor of anything it ran after, before that
 *                         write is on disk, and no client is shown data not
 *                         yet on disk: every client that ran a command while
 *                         un-synced bytes existed has its output held
 *                         (Client.outputHeld) until the fsync covering them.
 *   appendfsync everysec  written every turn, fdatasync about once a second.
 *   appendfsync no        written every turn, the kernel flushes when it likes.
 *
 * The writer is one serial pipeline (pump()): a write or an fsync at a time,
 * in order, so an fd is never closed under a pending operation and the
 * bytes reach each file in the order they were appended. A failed or short
 * write is undone (ftruncate back to the last good size) and retried; while
 * the last write or fsync failed, write commands (and PING, as Redis does)
 * are refused with "-MISCONF Errors writing to the AOF file: <strerror>",
 * and nothing already appended is dropped.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from '../commands/table';
import type { Client } from '../server/client';
import type { Server } from '../server/server';
import { emptyManifest, type AofFileInfo, type Manifest } from './aof-manifest';
import { encodeCommand } from './aof-reader';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

interface Batch {
  fd: number;
  data: string;
  /** Value of `appended` after this batch. */
  end: number;
  /** The file is finished (rotated away from): fsync and close it after this batch. */
  last: boolean;
}

/** The C library's text for an errno code (what Redis prints after MISCONF). */
export function strerrorCode(code: string | undefined, fallback: string): string {
  const texts: Record<string, string> = {
    ENOSPC: 'No space left on device',
    EFBIG: 'File too large',
    EIO: 'Input/output error',
    EDQUOT: 'Disk quota exceeded',
    EROFS: 'Read-only file system',
    EBADF: 'Bad file descriptor',
    EACCES: 'Permission denied',
    ENOENT: 'No such file or directory',
  };
  return (code && texts[code]) || fallback;
}

const RETRY_MS = 100;

export class AofWriter {
  /** appendonly is on and an incr file is open. */
  on = false;
  policy: FsyncPolicy = 'everysec';
  /** dir/appenddirname. */
  dirPath = '';
  manifest: Manifest = emptyManifest();
  /** The incr file receiving appends, and its fd (-1: none). */
  fd = -1;
  incrName = '';
  /** The incr file of an AOF being turned on, not in the manifest until its base is written. */
  unlistedIncr: AofFileInfo | null = null;
  /** no-appendfsync-on-rewrite yes and a rewrite runs: no fsync (replies are not held). */
  noFsync = false;
  /** Database of the last SELECT written to the current incr file (-1: none yet). */
  selectedDb = -1;
  /** aof-timestamp-enabled: a `#TS:<unix time>` line before the first command of each second. */
  timestamps = false;
  private lastTs = 0;
  /** Replaying the AOF at startup: effects are not logged. */
  loading = false;
  /** Bytes appended / written / covered by an fsync, counted since start across files. */
  appended = 0;
  written = 0;
  synced = 0;
  /** Size of the base at the last rewrite (or load) and of all files now (auto rewrite). */
  baseSize = 0;
  currentSize = 0;
  /** Reason of the failing write or fsync (strerror), null while writes succeed. */
  writeError: string | null = null;
  private errorKind: 'write' | 'fsync' = 'write';
  /** Group commit statistics: fsyncs done and bytes per fsync (INFO, bench). */
  fsyncs = 0;
  batchesWritten = 0;
  writesPerFsyncTotal = 0;

  private pending = '';
  private pendingCmds = 0;
  private queue: Batch[] = [];
  private inFlight = false;
  private scheduled = false;
  private fsyncWanted = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private everysecTimer: NodeJS.Timeout | null = null;
  private readonly fileSize = new Map<number, number>();
  private readonly waiting = new Map<Client, number>();
  /** Commands appended since the last fsync (writes per fsync). */
  private cmdsSinceFsync = 0;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(readonly server: Server) {
    this.pump = this.pump.bind(this);
  }

  /** True when replies must wait for the fsync (appendfsync always). */
  get holding(): boolean {
    return this.on && this.policy === 'always';
  }

  // ---- appending ----------------------------------------------------------

  /** The onPropagate listener: logs the effects in db. */
  append(db: number, cmds: string[][]): void {
    if (!this.on || this.loading) return;
    let s = '';
    if (this.timestamps) {
      const ts = Math.floor(this.server.clock / 1000);
      if (ts !== this.lastTs) {
        s += '#TS:' + ts + '\r\n';
        this.lastTs = ts;
      }
    }
    if (db !== this.selectedDb) {
      s += encodeCommand(['SELECT', String(db)]);
      this.selectedDb = db;
    }
    for (let i = 0; i < cmds.length; i++) s += encodeCommand(cmds[i]);
    this.pending += s;
    this.appended += s.length;
    this.pendingCmds += cmds.length;
    if (!this.scheduled) {
      this.scheduled = true;
      // After every read of this poll phase has run: one write for all of them.
      setImmediate(this.pump);
    }
  }

  /**
   * After a command ran (hooks.afterCommand) or before output is pushed to a
   * client (scheduleFlush): under `always`, hold the client's output while
   * appended bytes are not yet on disk.
   */
  holdIfUnsynced(c: Client): void {
    if (this.appended === this.synced || !this.holding || c.socket === null) return;
    c.outputHeld = true;
    this.waiting.set(c, this.appended);
  }

  forget(c: Client): void {
    this.waiting.delete(c);
  }

  private release(): void {
    if (this.waiting.size === 0) return;
    for (const [c, need] of this.waiting) {
      if (need > this.synced) continue;
      this.waiting.delete(c);
      c.outputHeld = false;
      if (!c.closed) c.flush();
    }
  }

  /** Releases every held client (appendfsync changed, AOF turned off after a final fsync). */
  releaseAll(): void {
    this.synced = Math.max(this.synced, this.appended);
    this.release();
  }

  // ---- files --------------------------------------------------------------

  /** Makes fd (opened for appending, of this size) the file receiving appends. */
  attach(fd: number, name: string, size: number): void {
    this.fd = fd;
    this.incrName = name;
    this.fileSize.set(fd, size);
    this.selectedDb = -1;
    this.lastTs = 0;
  }

  /**
   * Switches appends to a new file: what was appended so far goes to the old
   * one, which is fsynced and closed once written. (Rewrite start.)
   */
  rotate(fd: number, name: string): void {
    if (this.fd >= 0) {
      this.queue.push({ fd: this.fd, data: this.pending, end: this.appended, last: true });
      this.pending = '';
    }
    this.attach(fd, name, 0);
    this.kick();
  }

  /** Starts the pipeline if it is idle. */
  kick(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.pump);
    }
  }

  // ---- the pipeline ---------------------------------------------------------

  private pump(): void {
    this.scheduled = false;
    if (this.inFlight || this.retryTimer !== null) return;
    let batch = this.queue.shift();
    if (batch === undefined && this.pending.length !== 0 && this.fd >= 0) {
      batch = { fd: this.fd, data: this.pending, end: this.appended, last: false };
      this.pending = '';
    }
    if (batch !== undefined) {
      this.write(batch);
      return;
    }
    if (this.fsyncWanted && this.fd >= 0) {
      this.fsyncWanted = false;
      this.fsync(this.fd, this.written, false);
      return;
    }
    this.notifyIdle();
  }

  private write(batch: Batch): void {
    this.inFlight = true;
    const buf = Buffer.from(batch.data, 'latin1');
    const before = this.fileSize.get(batch.fd) ?? 0;
    const cmds = this.pendingCmds;
    this.pendingCmds = 0;
    fs.write(batch.fd, buf, 0, buf.length, null, (err, n) => {
      if (err === null && n === buf.length) {
        this.fileSize.set(batch.fd, before + n);
        this.currentSize += n;
        this.written = batch.end;
        this.batchesWritten++;
        this.cmdsSinceFsync += cmds;
        if (this.writeError !== null && this.errorKind === 'write') this.writeRecovered();
        if (batch.last || (this.policy === 'always' && !this.noFsync)) {
          this.fsync(batch.fd, batch.end, batch.last);
          return;
        }
        if (this.policy === 'always' && batch.end > this.synced) {
          // no-appendfsync-on-rewrite: written is as far as it goes now.
          this.synced = batch.end;
          this.release();
        }
        this.inFlight = false;
        this.pump();
        return;
      }
      // A failed or short write: undo the partial bytes so no torn command
      // is left in the middle of the file, then retry the whole batch.
      this.pendingCmds += cmds;
      let rest = batch.data;
      if (n > 0) {
        try {
          fs.ftruncateSync(batch.fd, before);
        } catch {
          // Cannot undo: keep what reached the file, retry only the rest.
          this.fileSize.set(batch.fd, before + n);
          this.currentSize += n;
          rest = rest.slice(n);
        }
      }
      // The current file's bytes go back in front of what is pending (to
      // whatever file is current when retried); a finished file's stay its own.
      if (batch.last) this.queue.unshift({ ...batch, data: rest });
      else this.pending = rest + this.pending;
      const code = err ? (err as NodeJS.ErrnoException).code : 'ENOSPC'; // a short write: Redis assumes ENOSPC
      this.failed(code, err ? err.message : 'short write', 'write');
    });
  }

  private fsync(fd: number, upTo: number, close: boolean): void {
    this.inFlight = true;
    fs.fdatasync(fd, (err) => {
      if (err) {
        if (close) this.queue.unshift({ fd, data: '', end: upTo, last: true });
        else this.fsyncWanted = true;
        this.failed((err as NodeJS.ErrnoException).code, err.message, 'fsync');
        return;
      }
      this.fsyncs++;
      this.writesPerFsyncTotal += this.cmdsSinceFsync;
      this.cmdsSinceFsync = 0;
      if (upTo > this.synced) this.synced = upTo;
      if (this.writeError !== null) this.writeRecovered();
      if (close) {
        this.fileSize.delete(fd);
        fs.close(fd, () => {});
      }
      this.inFlight = false;
      this.release();
      this.pump();
    });
  }

  private failed(code: string | undefined, message: string, what: string): void {
    const reason = strerrorCode(code, message);
    if (this.writeError === null) {
      this.server.log.warning(`Error ${what === 'fsync' ? 'trying to fsync' : 'writing to'} the AOF file: ${reason}`);
    }
    this.writeError = reason;
    this.errorKind = what === 'fsync' ? 'fsync' : 'write';
    this.inFlight = false;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, RETRY_MS);
  }

  private writeRecovered(): void {
    this.writeError = null;
    this.server.log.warning('AOF write error looks solved, kevy can write again.');
  }

  /** everysec: called once a second. */
  private everysec(): void {
    if (!this.on || this.policy !== 'everysec' || this.written === this.synced) return;
    this.fsyncWanted = true;
    this.kick();
  }

  setPolicy(p: FsyncPolicy): void {
    const was = this.policy;
    this.policy = p;
    if (this.everysecTimer === null) {
      this.everysecTimer = setInterval(() => this.everysec(), 1000);
      this.everysecTimer.unref();
    }
    if (was === 'always' && p !== 'always' && this.waiting.size !== 0) {
      // Held clients are released by the next fsync.
      this.fsyncWanted = true;
      this.kick();
    }
  }

  /** Bytes appended but not yet written (INFO aof_buffer_length). */
  get bufferLength(): number {
    let n = this.pending.length;
    for (const b of this.queue) n += b.data.length;
    return n;
  }

  get busy(): boolean {
    return this.inFlight || this.pending.length !== 0 || this.queue.length !== 0;
  }

  private notifyIdle(): void {
    if (this.busy) return;
    const w = this.idleWaiters.splice(0);
    for (const fn of w) fn();
  }

  /** Resolves once everything appended is written and fsynced (shutdown, turning AOF off). */
  async drain(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.fd >= 0 && (this.busy || this.synced < this.written || this.written < this.appended)) {
      if (this.writeError !== null && Date.now() > deadline) return false;
      if (!this.busy && this.synced < this.written) {
        this.fsyncWanted = true;
        this.kick();
      }
      await new Promise<void>((r) => {
        this.idleWaiters.push(r);
        setTimeout(r, 20);
      });
    }
    this.releaseAll();
    return true;
  }

  /** Closes the current file after drain() (appendonly no, shutdown). */
  closeFile(): void {
    if (this.fd >= 0) {
      try {
        fs.fsyncSync(this.fd);
      } catch {
        // reported by the pipeline already
      }
      fs.closeSync(this.fd);
      this.fileSize.delete(this.fd);
    }
    this.fd = -1;
    this.incrName = '';
    this.on = false;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.pending = '';
    this.queue = [];
    this.writeError = null;
    this.releaseAll();
  }

  stopTimers(): void {
    if (this.everysecTimer !== null) clearInterval(this.everysecTimer);
    this.everysecTimer = null;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Size of the file `name` in the AOF directory (0 when missing). */
  fileSizeOf(name: string): number {
    try {
      return fs.statSync(path.join(this.dirPath, name)).size;
    } catch {
      return 0;
    }
  }
}

/**
 * Redis's writeCommandsDeniedByDiskError for the AOF: writes, EXEC of a
 * transaction holding writes, and PING are refused while a write failed.
 */
export function deniedByAofError(aof: AofWriter, c: Client, cmd: Command): string | null {
  if (aof.writeError === null || !aof.on) return null;
  const write =
    cmd.isWrite ||
    cmd.name === 'ping' ||
    (cmd.name === 'exec' && c.multi !== null && c.multi.queue.some((q) => q.cmd.isWrite));
  return write ? `MISCONF Errors writing to the AOF file: ${aof.writeError}` : null;
}
