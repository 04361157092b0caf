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
 *                         Under both, invariant "write-before-reply": a
 *                         reply goes to its socket only once every effect
 *                         appended before it was written to the file
 *                         (writeBeforeReplies(), while writes succeed), so a
 *                         SIGKILL loses no acknowledged write.
 *
 * How bytes are written and fsynced (main-thread writes, fdatasync in the
 * thread pool, retries): ./aof-pipeline.ts; held clients: ./aof-hold.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '../server/client';
import { AofPipeline, type FsyncPolicy } from './aof-pipeline';
import { emptyManifest, type AofFileInfo, type Manifest } from './aof-manifest';
import { AofBuffer } from './aof-buffer';
import { paddingStart } from './aof-pad';

export type { FsyncPolicy } from './aof-pipeline';

export class AofWriter extends AofPipeline {
  /** appendonly is on and an incr file is open. */
  on = false;
  /** dir/appenddirname. */
  dirPath = '';
  manifest: Manifest = emptyManifest();
  incrName = '';
  /** The incr file of an AOF being turned on, not in the manifest until its base is written. */
  unlistedIncr: AofFileInfo | null = null;
  /** Database of the last SELECT written to the current incr file (-1: none yet). */
  selectedDb = -1;
  /** aof-timestamp-enabled: a `#TS:<unix time>` line before the first command of each second. */
  timestamps = false;
  private lastTs = 0;
  /** Replaying the AOF at startup: effects are not logged. */
  loading = false;
  /** Size of the base at the last rewrite (or load) (auto rewrite). */
  baseSize = 0;
  private everysecTimer: NodeJS.Timeout | null = null;

  /** True when replies must wait for the fsync (appendfsync always). */
  get holding(): boolean {
    return this.on && this.policy === 'always';
  }

  // ---- appending ----------------------------------------------------------

  /** The onPropagate listener: logs the effects in db. */
  append(db: number, cmds: string[][]): void {
    if (!this.on || this.loading) return;
    const q = this.pending;
    const start = q.length;
    if (this.timestamps) {
      const ts = Math.floor(this.server.clock / 1000);
      if (ts !== this.lastTs) {
        q.text('#TS:' + ts + '\r\n');
        this.lastTs = ts;
      }
    }
    if (db !== this.selectedDb) {
      q.command(['SELECT', String(db)]);
      this.selectedDb = db;
    }
    for (let i = 0; i < cmds.length; i++) q.command(cmds[i]);
    this.appended += q.length - start;
    this.pendingCmds += cmds.length;
    if (!this.scheduled) {
      this.scheduled = true;
      // After every read of this poll phase has run: one write for all of them (unless a reply
      // goes out before: writeBeforeReplies() writes then).
      setImmediate(this.pump);
    }
  }

  /**
   * Before replies go out (server.beforeReplies): under everysec and no,
   * what was appended is written now, not at this turn's pump, which can
   * come after the replies (a turn whose first read ran only reads queued
   * its reply flush before the pump; a served blocked client is flushed on
   * nextTick). Under always the replies wait for the fsync anyway.
   */
  writeBeforeReplies(): void {
    if (this.holding || this.retryTimer !== null || this.fd < 0) return;
    this.pump();
  }

  /**
   * After a command ran (hooks.afterCommand) or before output is pushed to a
   * client (scheduleFlush): under `always`, hold the client's output while
   * appended bytes are not yet on disk.
   */
  holdIfUnsynced(c: Client): void {
    if (this.appended === this.synced || !this.holding || c.socket === null) return;
    this.held.hold(c, this.appended);
  }

  forget(c: Client): void {
    this.held.forget(c);
  }

  /** Releases every held client (appendfsync changed, AOF turned off after a final fsync). */
  releaseAll(): void {
    this.synced = Math.max(this.synced, this.appended);
    this.release();
  }

  // ---- files --------------------------------------------------------------

  /**
   * Makes fd (opened for writing, without O_APPEND: writes are positional)
   * the file receiving appends. Padding left at its end (a crash under
   * appendfsync always) is truncated: the next write under always adds
   * fresh lines (./aof-pad.ts).
   */
  attach(fd: number, name: string, size: number): void {
    this.fd = fd;
    this.incrName = name;
    this.fileSize.set(fd, paddingStart(fd, size));
    this.physSize.set(fd, size);
    this.trimPadding(fd);
    this.selectedDb = -1;
    this.lastTs = 0;
  }

  /**
   * Before a rewrite lists a new incr file in the manifest: what was
   * appended is written to the current file, its padding cut, and the file
   * fdatasynced, so that a power loss cannot leave a cut command in a file
   * that is no longer the last (which neither Redis nor kevy would load).
   * A failure here is left to the pipeline (the old file's close job
   * retries and reports it).
   */
  settle(): void {
    if (this.fd < 0 || this.retryTimer !== null) return;
    if (!this.writeOut()) return;
    this.trimPadding(this.fd);
    try {
      fs.fdatasyncSync(this.fd);
    } catch {
      // the close job's fsync reports it
    }
  }

  /**
   * Switches appends to a new file: what was appended so far goes to the old
   * one, which is fsynced and closed once written. (Rewrite start.)
   */
  rotate(fd: number, name: string): void {
    if (this.fd >= 0) {
      this.tails.push({ fd: this.fd, data: this.pending, end: this.appended });
      this.pending = new AofBuffer();
    }
    this.attach(fd, name, fs.fstatSync(fd).size);
    this.kick();
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
    // Leaving always: the held clients are released by the next fsync. Entering it: what
    // everysec or no wrote is not synced, and every client that runs a command now waits for it.
    if (was !== p && (this.held.size !== 0 || (p === 'always' && this.written > this.synced))) {
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
      this.trimPadding(this.fd);
      try {
        fs.fsyncSync(this.fd);
      } catch {
        // reported by the pipeline already
      }
      fs.closeSync(this.fd);
      this.forgetSizes(this.fd);
    }
    this.fd = -1;
    this.incrName = '';
    this.on = false;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.pending = new AofBuffer();
    this.tails = [];
    this.closeJobs = [];
    this.writeError = null;
    this.releaseAll();
  }

  stopTimers(): void {
    if (this.everysecTimer !== null) clearInterval(this.everysecTimer);
    this.everysecTimer = null;
    this.held.stop();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * Size of the data of the file `name` in the AOF directory (0 when
   * missing), without padding: the current incr file's is known; an older
   * one keeps padding when kevy died between a rewrite's start and that
   * file's close (auto rewrite and INFO count data only).
   */
  fileSizeOf(name: string): number {
    if (name === this.incrName && this.fd >= 0) return this.fileSize.get(this.fd) ?? 0;
    let fd = -1;
    try {
      fd = fs.openSync(path.join(this.dirPath, name), 'r');
      const size = fs.fstatSync(fd).size;
      return name.endsWith('.incr.aof') ? paddingStart(fd, size) : size;
    } catch {
      return 0;
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }
}
