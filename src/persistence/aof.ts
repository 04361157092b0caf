/**
 * The append-only file writer: every write's effect (server.onPropagate)
 * is appended as RESP to the current incr file of the multi-part AOF
 * (./aof-manifest.ts), under one of the three fsync policies.
 *
 *   appendfsync always    group commit: the effects of one event-loop turn
 *                         share one write(), and everything written while an
 *                         fdatasync() runs shares the next one. Invariant
 *                         "ack-after-fsync": no client gets the reply of a
 *                         write, nor of anything it ran after, before that
 *                         write is on disk, and no client is shown data not
 *                         yet on disk: every client that ran a command while
 *                         un-synced bytes existed has its output held
 *                         (Client.outputHeld) until the fsync covering them.
 *   appendfsync everysec  written every turn, fdatasync about once a second.
 *   appendfsync no        written every turn, the kernel flushes when it likes.
 *
 * Writes happen on the main thread (fs.writeSync, once per event-loop turn,
 * as Redis's beforeSleep does): a write to the page cache costs ~1.3 us of
 * CPU there, while fs.write through libuv's thread pool measured ~10 us of
 * CPU and 12-17 us of main-thread time to wake a worker (a 17% self-time
 * share of the profile under everysec, -c 50). Only fdatasync runs in the
 * thread pool, one at a time (the sync chain, startSync()): while fsync N
 * runs, the loop keeps executing and writing batch N+1, and batch N+1's
 * fsync starts in the callback that completes N. An fd is closed only by
 * the fsync that finishes it, after its last write. A failed or short
 * write is undone (ftruncate back to the last good size) and retried;
 * while the last write or fsync failed, write commands (and PING, as Redis
 * does) are refused with "-MISCONF Errors writing to the AOF file:
 * <strerror>", and nothing already appended is dropped.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from '../commands/table';
import type { Client } from '../server/client';
import type { Server } from '../server/server';
import { emptyManifest, type AofFileInfo, type Manifest } from './aof-manifest';
import { encodeCommand } from './aof-reader';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

/** The unwritten rest of a file rotated away from: written, then fsynced and closed. */
interface Tail {
  fd: number;
  data: string;
  /** Value of `appended` after this data. */
  end: number;
}

/** One fdatasync of the sync chain. */
interface SyncJob {
  fd: number;
  /** Value of `written` it covers. */
  upTo: number;
  /** The file is finished: close it once synced. */
  close: boolean;
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
  private tails: Tail[] = [];
  /** Finished files waiting for their final fsync and close, in order. */
  private closeJobs: SyncJob[] = [];
  /** An fdatasync runs in the thread pool (at most one at a time). */
  private syncInFlight = false;
  private scheduled = false;
  /** The current file has written bytes to fsync (always: each write; everysec: the timer). */
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
      this.tails.push({ fd: this.fd, data: this.pending, end: this.appended });
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

  /** Once per turn (setImmediate) and after each fsync: write what is pending, then fsync as the policy asks. */
  private pump(): void {
    this.scheduled = false;
    if (this.retryTimer !== null) return;
    if (!this.writeOut()) return;
    this.startSync();
    this.notifyIdle();
  }

  /** Writes the finished files' tails, then the pending bytes; false when a write failed (retry scheduled). */
  private writeOut(): boolean {
    while (this.tails.length !== 0) {
      const t = this.tails[0];
      const rest = this.writeData(t.fd, t.data);
      if (rest !== null) {
        t.data = rest;
        return false;
      }
      this.tails.shift();
      this.written = t.end;
      this.closeJobs.push({ fd: t.fd, upTo: t.end, close: true });
    }
    if (this.pending.length === 0 || this.fd < 0) return true;
    const data = this.pending;
    this.pending = '';
    const rest = this.writeData(this.fd, data);
    if (rest !== null) {
      // Back in front of what was appended since (to whatever file is current when retried).
      this.pending = rest + this.pending;
      return false;
    }
    this.written = this.appended;
    if (this.policy === 'always') {
      if (!this.noFsync) this.fsyncWanted = true;
      else if (this.written > this.synced) {
        // no-appendfsync-on-rewrite: written is as far as it goes now.
        this.synced = this.written;
        this.release();
      }
    }
    return true;
  }

  /**
   * One write() of data at the end of fd. Returns null when it all reached
   * the file, else the part still to write: a failed or short write is
   * undone (so no torn command is left in the middle of the file) and
   * reported, and the retry timer is set.
   */
  private writeData(fd: number, data: string): string | null {
    if (data.length === 0) return null;
    const before = this.fileSize.get(fd) ?? 0;
    let n = 0;
    let error: NodeJS.ErrnoException | null = null;
    try {
      n = fs.writeSync(fd, data, null, 'latin1');
    } catch (e) {
      error = e as NodeJS.ErrnoException;
    }
    if (error === null && n === data.length) {
      this.fileSize.set(fd, before + n);
      this.currentSize += n;
      this.batchesWritten++;
      this.cmdsSinceFsync += this.pendingCmds;
      this.pendingCmds = 0;
      if (this.writeError !== null && this.errorKind === 'write') this.writeRecovered();
      return null;
    }
    let rest = data;
    if (n > 0) {
      try {
        fs.ftruncateSync(fd, before);
      } catch {
        // Cannot undo: keep what reached the file, retry only the rest.
        this.fileSize.set(fd, before + n);
        this.currentSize += n;
        rest = rest.slice(n);
      }
    }
    // A short write without an error: Redis assumes ENOSPC.
    this.failed(error ? error.code : 'ENOSPC', error ? error.message : 'short write', 'write');
    return rest;
  }

  /**
   * Starts the next fdatasync unless one runs (its completion calls pump(),
   * which comes back here): first the final fsync of finished files, then
   * the current file's, covering everything written until now.
   */
  private startSync(): void {
    if (this.syncInFlight) return;
    let job = this.closeJobs.shift();
    if (job === undefined) {
      if (!this.fsyncWanted || this.fd < 0) return;
      this.fsyncWanted = false;
      job = { fd: this.fd, upTo: this.written, close: false };
    }
    const j = job;
    // The commands written so far are the ones this fsync covers (writes per fsync).
    const cmds = this.cmdsSinceFsync;
    this.cmdsSinceFsync = 0;
    this.syncInFlight = true;
    fs.fdatasync(j.fd, (err) => {
      this.syncInFlight = false;
      if (err) {
        this.cmdsSinceFsync += cmds;
        if (j.close) this.closeJobs.unshift(j);
        else this.fsyncWanted = true;
        this.failed((err as NodeJS.ErrnoException).code, err.message, 'fsync');
        return;
      }
      this.fsyncs++;
      this.writesPerFsyncTotal += cmds;
      if (j.upTo > this.synced) this.synced = j.upTo;
      if (this.writeError !== null && this.errorKind === 'fsync') this.writeRecovered();
      if (j.close) {
        this.fileSize.delete(j.fd);
        fs.close(j.fd, () => {});
      }
      this.release();
      // What the loop appended during this fsync is written and its fsync started now, not a turn later.
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
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
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
    for (const t of this.tails) n += t.data.length;
    return n;
  }

  get busy(): boolean {
    return this.syncInFlight || this.pending.length !== 0 || this.tails.length !== 0 || this.closeJobs.length !== 0;
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
    this.tails = [];
    this.closeJobs = [];
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
