/**
 * The AOF writer's pipeline (the base of AofWriter, ./aof.ts): appended
 * bytes are written to the current file and made durable by fdatasync as
 * the policy asks; failures are reported and retried.
 *
 * Writes happen on the main thread (fs.writeSync at the file's logical end,
 * over the padding under always (./aof-pad.ts), once per event-loop turn,
 * as Redis's beforeSleep does, or earlier when a reply is about to go out
 * (AofWriter.writeBeforeReplies): a write to the page cache costs ~1.3 us of
 * CPU there, while fs.write through libuv's thread pool measured ~10 us of
 * CPU and 12-17 us of main-thread time to wake a worker (a 17% self-time
 * share of the profile under everysec, -c 50). Only fdatasync runs in the
 * thread pool, at most MAX_SYNCS at once (startSync()): while an fsync
 * runs, the loop keeps executing and writing the next batch, whose fsync
 * starts as soon as a slot is free, or, under always, once the clients the
 * last fsync released are back (./aof-hold.ts). Under always, when no
 * command could run meanwhile (every client waits for this fsync), the
 * fsync runs on the main thread instead (nothingToOverlap()). An fd is closed only by the
 * fsync that finishes it, after its last write, with no other in flight.
 * A failed or short write is undone (ftruncate back to the last good size)
 * and retried; while the last write or fsync failed, write commands (and
 * PING, as Redis does) are refused with "-MISCONF Errors writing to the AOF
 * file: <strerror>", and nothing already appended is dropped.
 */
import fs from 'node:fs';
import type { Server } from '../server/server';
import { strerrorCode } from './aof-errors';
import { AofBuffer } from './aof-buffer';
import { HeldClients } from './aof-hold';
import { extensionFor, PAD_BYTES, padLines, planWrite } from './aof-pad';

export type FsyncPolicy = 'always' | 'everysec' | 'no';

/** The unwritten rest of a file rotated away from: written, then fsynced and closed. */
interface Tail {
  fd: number;
  data: AofBuffer;
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

const RETRY_MS = 100;
/** After adding padding failed, none is added for this long (ms). */
const PAD_RETRY_MS = 10_000;
/**
 * fdatasyncs in flight at once. Two overlap on this disk: serial appending
 * fdatasyncs ran 600-4,600/s, two at a time 4,500-6,000/s with each one only
 * ~30% slower. With one, a CPU-bound load (-c 200) idled the disk while the
 * loop gathered; two measured 0.89-1.31x redis there vs 0.70-1.12x.
 */
const MAX_SYNCS = 2;

export class AofPipeline {
  policy: FsyncPolicy = 'everysec';
  /** The incr file receiving appends, and its fd (-1: none). */
  fd = -1;
  /** no-appendfsync-on-rewrite yes and a rewrite runs: no fsync (replies are not held). */
  noFsync = false;
  /** Bytes appended / written / covered by an fsync, counted since start across files. */
  appended = 0;
  written = 0;
  synced = 0;
  /** Bytes in all the AOF's files now (auto rewrite). */
  currentSize = 0;
  /** Reason of the failing write or fsync (strerror), null while writes succeed. */
  writeError: string | null = null;
  private errorKind: 'write' | 'fsync' = 'write';
  /** Group commit statistics: fsyncs done and bytes per fsync (INFO, bench). */
  fsyncs = 0;
  batchesWritten = 0;
  writesPerFsyncTotal = 0;
  /** Appended, not yet written to the current file. */
  protected pending = new AofBuffer();
  protected pendingCmds = 0;
  protected tails: Tail[] = [];
  /** Finished files waiting for their final fsync and close, in order. */
  protected closeJobs: SyncJob[] = [];
  /** fdatasyncs running in the thread pool (at most MAX_SYNCS). */
  private syncsInFlight = 0;
  protected scheduled = false;
  /** The current file has written bytes to fsync (always: each write; everysec: the timer). */
  protected fsyncWanted = false;
  protected retryTimer: NodeJS.Timeout | null = null;
  /** Per open fd: bytes of data (the logical end, where the next write goes) and the file's size (with its padding). */
  protected readonly fileSize = new Map<number, number>();
  protected readonly physSize = new Map<number, number>();
  private padRetryAt = 0;
  /** The last write was kept in part: the next data starts inside a command. */
  private partKept = false;
  /** Clients whose output waits for an fsync (always). */
  protected readonly held = new HeldClients(() => this.pump());
  /** Commands written since the last fsync started (writes per fsync). */
  private cmdsSinceFsync = 0;
  /** Moving average of fdatasync's duration, ms. */
  private fsyncMs = 1;

  protected readonly idleWaiters: (() => void)[] = [];

  constructor(readonly server: Server) {
    this.pump = this.pump.bind(this);
  }

  /** Lets out the held clients whose bytes are synced; returns how many. */
  protected release(): number {
    return this.held.release(this.synced);
  }

  /** Starts the pipeline if it is idle. */
  kick(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.pump);
    }
  }

  /** Once per turn (setImmediate) and after each fsync: write what is pending, then fsync as the policy asks. */
  protected pump(): void {
    this.scheduled = false;
    if (this.retryTimer !== null) return;
    if (!this.writeOut()) return;
    this.startSync();
    this.notifyIdle();
  }

  /** Writes the finished files' tails, then the pending bytes; false when a write failed (retry scheduled). */
  protected writeOut(): boolean {
    while (this.tails.length !== 0) {
      const t = this.tails[0];
      if (!this.writeData(t.fd, t.data)) return false;
      this.tails.shift();
      this.written = t.end;
      this.closeJobs.push({ fd: t.fd, upTo: t.end, close: true });
    }
    if (this.pending.length === 0 || this.fd < 0) return true;
    // On failure the rest stays in front of what is appended meanwhile (for whatever file is current when retried).
    if (!this.writeData(this.fd, this.pending)) return false;
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
   * One write() of data at the logical end of fd (a positional write: the
   * file may hold padding after it, ./aof-pad.ts; under always, padding is
   * added first when too little is left). True when the data reached the
   * file (data is emptied); else data keeps the part still to write: a
   * failed or short write is undone (so no torn command is left in the
   * middle of the file) and reported, and the retry timer is set.
   */
  private writeData(fd: number, data: AofBuffer): boolean {
    const len = data.length;
    if (len === 0) return true;
    const before = this.fileSize.get(fd) ?? 0;
    const end = before + len;
    const physNow = () => this.physSize.get(fd) ?? before;
    // Data that starts inside a command (the rest of a write kept in part) is only appended.
    const padded = fd === this.fd && !this.partKept;
    // Padding is added for a write that one extension covers (a bigger one is appended: it would
    // double its bytes on the main thread), when an fsync follows (not no-appendfsync-on-rewrite).
    const ext = extensionFor(end, physNow());
    if (padded && ext !== 0 && ext <= PAD_BYTES && this.policy === 'always' && !this.noFsync) this.extendPadding(fd, ext);
    // Over padding only when the data ends inside it; else append, as without padding.
    if (physNow() > before && (!padded || end >= physNow())) this.trimPadding(fd);
    const phys = physNow();
    let n = 0;
    let error: NodeJS.ErrnoException | null = null;
    let whole = true;
    /** Where the first write ended; whether it was the only one. */
    let last = end;
    let single = true;
    if (before >= phys) {
      // Appending (planWrite's one write of the data as it is): the bytes, with no string made of them.
      try {
        n = fs.writeSync(fd, data.bytes, 0, len, before);
      } catch (e) {
        error = e as NodeJS.ErrnoException;
        n = 0;
      }
      whole = n === len;
    } else {
      const writes = planWrite(before, phys, data.toString());
      last = writes[0].pos + writes[0].text.length;
      single = writes.length === 1;
      for (const w of writes) {
        try {
          n = fs.writeSync(fd, w.text, w.pos, 'latin1');
        } catch (e) {
          error = e as NodeJS.ErrnoException;
          n = 0;
        }
        if (n !== w.text.length) {
          whole = false;
          break;
        }
      }
    }
    if (whole) {
      this.partKept = false;
      data.clear();
      this.fileSize.set(fd, end);
      this.physSize.set(fd, Math.max(phys, last));
      this.currentSize += len;
      this.batchesWritten++;
      this.cmdsSinceFsync += this.pendingCmds;
      this.pendingCmds = 0;
      if (this.writeError !== null && this.errorKind === 'write') this.writeRecovered();
      return true;
    }
    try {
      fs.ftruncateSync(fd, before);
      this.physSize.set(fd, before);
    } catch {
      if (single && n > 0) {
        // Cannot undo an append: keep what reached the file, retry only the rest.
        n = Math.min(n, len);
        this.partKept = true;
        this.fileSize.set(fd, before + n);
        this.physSize.set(fd, Math.max(phys, before + n));
        this.currentSize += n;
        data.drop(n);
      } else {
        // Over padding: the retry writes all of it again, at the same place.
        this.physFromDisk(fd, phys);
      }
    }
    // A short write without an error: Redis assumes ENOSPC.
    this.failed(error ? error.code : 'ENOSPC', error ? error.message : 'short write', 'write');
    return false;
  }

  /**
   * Adds `bytes` of padding lines at the end of fd and fdatasyncs them
   * before any command goes over them (./aof-pad.ts). When that fails the
   * lines are undone and none are added for PAD_RETRY_MS (a nearly full
   * disk has room for the data, not for them).
   */
  private extendPadding(fd: number, bytes: number): void {
    if (performance.now() < this.padRetryAt) return;
    const phys = this.physSize.get(fd) ?? this.fileSize.get(fd) ?? 0;
    try {
      const n = fs.writeSync(fd, padLines(bytes), phys, 'latin1');
      if (n !== bytes) throw new Error('short write');
      fs.fdatasyncSync(fd);
    } catch {
      try {
        fs.ftruncateSync(fd, phys);
      } catch {
        // Cannot undo: count what was written as padding, which the next writes go over or the close cuts.
        this.physFromDisk(fd, phys);
      }
      this.padRetryAt = performance.now() + PAD_RETRY_MS;
      return;
    }
    this.physSize.set(fd, phys + bytes);
  }

  /** After a write that could not be undone: fd's size as the disk has it, never below phys. */
  private physFromDisk(fd: number, phys: number): void {
    try {
      this.physSize.set(fd, Math.max(phys, fs.fstatSync(fd).size));
    } catch {
      // keep phys
    }
  }

  /** Forgets an fd being closed (its data and file sizes). */
  protected forgetSizes(fd: number): void {
    this.fileSize.delete(fd);
    this.physSize.delete(fd);
  }

  /**
   * Truncates fd to its data, dropping the padding (a file being closed,
   * or opened). A failure leaves it: lines Redis and kevy skip.
   */
  protected trimPadding(fd: number): void {
    const end = this.fileSize.get(fd) ?? 0;
    if ((this.physSize.get(fd) ?? end) <= end) return;
    try {
      fs.ftruncateSync(fd, end);
      this.physSize.set(fd, end);
    } catch {
      // kept: a valid annotation line
    }
  }

  /**
   * Starts the next fdatasync unless MAX_SYNCS run (a completion calls
   * pump(), which comes back here): first the final fsync of finished files,
   * alone, then the current file's, covering everything written until now.
   * fdatasync covers every byte written before the call, so whichever
   * completes, `synced` moves to what it covers.
   */
  private startSync(): void {
    if (this.syncsInFlight >= MAX_SYNCS) return;
    let job: SyncJob | undefined;
    if (this.closeJobs.length !== 0) {
      // A file is closed by the only fsync in flight: none other may still use its fd.
      if (this.syncsInFlight !== 0) return;
      job = this.closeJobs.shift()!;
      this.trimPadding(job.fd);
    } else {
      if (!this.fsyncWanted || this.fd < 0 || (this.policy === 'always' && this.held.gathering())) return;
      this.fsyncWanted = false;
      job = { fd: this.fd, upTo: this.written, close: false };
    }
    // The commands written so far are the ones this fsync covers (writes per fsync).
    const cmds = this.cmdsSinceFsync;
    this.cmdsSinceFsync = 0;
    this.syncsInFlight++;
    const t0 = performance.now();
    if (!job.close && this.nothingToOverlap()) {
      let error: NodeJS.ErrnoException | null = null;
      try {
        fs.fdatasyncSync(job.fd);
      } catch (e) {
        error = e as NodeJS.ErrnoException;
      }
      this.syncDone(job, cmds, t0, error);
      return;
    }
    const j = job;
    fs.fdatasync(j.fd, (err) => this.syncDone(j, cmds, t0, err));
  }

  /**
   * Fast path "nothing to overlap": under always, when every connected
   * client is held (or only one client is), no command can run while the
   * fsync does, so the loop has nothing to do but wait; fdatasync then runs
   * on the main thread, as Redis's beforeSleep does, and saves the two
   * thread hand-offs of the thread pool (~60 us a cycle, and their CPU).
   * node bench/aof.js --policies always --rounds 5 --requests 60000 --base
   * <before>, same run, kevy/redis (kevy CPU us/req): -c 1 0.70 -> 0.92
   * (124 -> 93), -c 10 0.88 -> 1.00 (20.5 -> 17.2); -c 50 and -c 200, where
   * gathering seldom holds every client, unchanged (0.92 / 0.91, 0.92 /
   * 0.92). A client that connects or sends a command meanwhile waits for
   * this one fsync at most.
   */
  private nothingToOverlap(): boolean {
    if (this.policy !== 'always' || this.syncsInFlight !== 1) return false;
    const held = this.held.size;
    return held === 1 || (held !== 0 && held >= this.server.clients.size);
  }

  /** An fdatasync ended (error: null when it succeeded). */
  private syncDone(j: SyncJob, cmds: number, t0: number, err: NodeJS.ErrnoException | null): void {
    this.syncsInFlight--;
    this.fsyncMs += (performance.now() - t0 - this.fsyncMs) / 8;
    if (err) {
      this.cmdsSinceFsync += cmds;
      if (j.close) this.closeJobs.unshift(j);
      else this.fsyncWanted = true;
      this.failed(err.code, err.message, 'fsync');
      return;
    }
    this.fsyncs++;
    this.writesPerFsyncTotal += cmds;
    if (j.upTo > this.synced) this.synced = j.upTo;
    if (this.writeError !== null && this.errorKind === 'fsync') this.writeRecovered();
    if (j.close) {
      this.forgetSizes(j.fd);
      fs.close(j.fd, () => {});
    }
    const released = this.release();
    if (this.policy === 'always') this.held.gatherAfter(released, this.fsyncMs);
    // What the loop appended during this fsync is written (and its fsync started) now, not a turn later.
    this.pump();
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

  get busy(): boolean {
    return this.syncsInFlight !== 0 || this.pending.length !== 0 || this.tails.length !== 0 || this.closeJobs.length !== 0;
  }

  private notifyIdle(): void {
    if (this.busy) return;
    const w = this.idleWaiters.splice(0);
    for (const fn of w) fn();
  }
}
