/**
 * The heap guard: kevy holds its data in V8's heap, whose limit is fixed when
 * the process starts (heap_size_limit: about 4 GiB by default on this
 * machine; node --max-old-space-size=<MB> sets it). An allocation past it
 * ends the process ("FATAL ERROR: ... JavaScript heap out of memory"): every
 * client is cut off, under appendfsync everysec the last second of writes is
 * lost, and the next start, loading the same data, dies the same way.
 * Measured: redis-benchmark -t set -d 100000 -r 100000 killed kevy-server
 * at about 4 GB of values, where a Redis without maxmemory keeps going.
 *
 * So, as Redis refuses commands flagged denyoom above maxmemory (its
 * processCommand), kevy refuses them while the heap is nearly full, with an
 * OOM error that names the limit and how to raise it; reads, deletes,
 * FLUSHALL, EXPIRE and the rest still run, so the data can be read out or
 * trimmed. The same rules as Redis's: inside MULTI every command but EXEC,
 * DISCARD, QUIT and RESET is refused (the transaction then aborts), and an
 * EXEC whose queue holds a denyoom command is refused.
 *
 * "Nearly full" ("heap-reserve"): the old generation (in pages, see
 * oldGenerationSize()) is above limit - reserve, with reserve = 10% of the
 * limit, at least the young generation + 32 MB and at most 1 GB (see
 * heapLimits()): room for what a scavenge promotes, the writes in flight
 * and a large request's strings. The size is looked at after every GC (a
 * PerformanceObserver) and at every cron tick. Garbage counts until a GC
 * runs, and with writes refused V8 may not run a major GC for a long time,
 * so while the guard refuses writes the cron forces a full GC: when it
 * starts refusing, when data changed since (a DEL, an expiry, FLUSHALL), and
 * every 10 s (see cron()).
 *
 * Loading (startupRoom): RDB and AOF loading run synchronously, before any
 * GC observation could be delivered; the loaders call check() per key or
 * command, which looks at the heap every 128 calls and stops the start
 * with a StartupError naming the file, the offset and the flag to raise
 * when the data cannot fit, instead of letting V8 end the process.
 *
 *   setupMemoryGuard(server);          // once, by the Server constructor
 *   const room = startupRoom();        // per file loaded
 *   room.check(file, offset);          // per key or command; may throw StartupError
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { PerformanceObserver } from 'node:perf_hooks';
import type { Command } from '../commands/table';
import type { Client } from './client';
import { StartupError, type Server } from './server';
import * as E from '../errors';
import { Database } from '../store/database';

const MB = 1024 * 1024;

/**
 * The last value of a V8 size flag (MB) given on the command line or in
 * NODE_OPTIONS, or undefined.
 */
function nodeFlagMb(name: string): number | undefined {
  const args = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
  let mb: number | undefined;
  const prefix = `--${name}=`;
  for (const a of args) {
    // V8 takes --max_semi_space_size as well as --max-semi-space-size.
    const flag = a.replace(/_/g, '-');
    if (flag.startsWith(prefix) && /^\d+$/.test(flag.slice(prefix.length))) mb = Number(flag.slice(prefix.length));
  }
  return mb;
}

/**
 * The old generation's limit (where the data lives: what runs out), the
 * young generation's size, and the guard's reserve, in bytes.
 *  - limit: --max-old-space-size when given, else V8's heap_size_limit less
 *    the young generation.
 *  - young: 3 semi-spaces, 3 x 16 MB on this 64-bit machine (3 x
 *    --max-semi-space-size when given; V8 sizes them smaller on a machine
 *    with little memory, which only makes the limit lower, the guard
 *    earlier). --max-old-space-size=64 reports a heap_size_limit of 112 MB.
 *  - reserve: 10% of the limit, at least young + 32 MB, at most 1 GB. V8
 *    gives up before the old generation reaches its limit when what a
 *    scavenge may promote does not fit: a load of 100 KB values died at
 *    104 MB of a 128 MB old generation ("scavenge might not succeed").
 */
export function heapLimits(): { limit: number; young: number; reserve: number } {
  const oldMb = nodeFlagMb('max-old-space-size');
  const young = 3 * (nodeFlagMb('max-semi-space-size') ?? 16) * MB;
  const limit = oldMb !== undefined ? oldMb * MB : v8.getHeapStatistics().heap_size_limit - young;
  return { limit, young, reserve: Math.min(1024 * MB, Math.max(young + 32 * MB, Math.round(limit / 10))) };
}

/**
 * The old generation's size: the pages its spaces hold (every space but the
 * young ones), which is what V8 compares with the limit before it gives up
 * (a process filling a 128 MB old generation died at 126 MB of pages,
 * 122 MB of them in use).
 */
export function oldGenerationSize(): number {
  let size = 0;
  for (const s of v8.getHeapSpaceStatistics()) {
    if (s.space_name !== 'new_space' && s.space_name !== 'new_large_object_space') size += s.space_size;
  }
  return size;
}

let gcFn: (() => void) | null = null;

/**
 * A full, synchronous GC (the process need not run with --expose-gc: the
 * first call sets that flag, which only makes gc() reachable from a new
 * context; in an embedded server it happens only once the heap is nearly full).
 */
export function fullGc(): void {
  if (gcFn === null) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') {
      gcFn = g;
    } else {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
  }
  gcFn();
}

/**
 * For the kevy-server process only (an embedded server leaves its host's V8
 * flags alone): turns off V8's "ineffective mark-compacts near heap limit"
 * abort. Above 80% of the limit, four major GCs in a row that leave the
 * program under 40% of the time end the process, though the heap has room:
 * a kevy-server restarted on an AOF that filled 85% of a 128 MB heap died
 * that way right after loading, every time (4 of 4). The guard keeps the
 * heap below limit - reserve; GCs near that line cost time, not the data.
 */
export function keepRunningNearHeapLimit(): void {
  v8.setFlagsFromString('--no-detect-ineffective-gcs-near-heap-limit');
}

/** Commands Redis still runs inside MULTI when out of memory. */
const MULTI_OOM_EXEMPT = new Set(['exec', 'discard', 'quit', 'reset']);

export class MemoryGuard {
  readonly limit: number;
  readonly reserve: number;
  /** True while denyoom commands are refused. */
  full = false;
  /** When the cron last forced a GC, how long it took (ms), and what had changed data by then. */
  private forcedAt = 0;
  private forcedMs = 0;
  private changesAtForce = -1;

  constructor(private readonly server: Server) {
    const l = heapLimits();
    this.limit = l.limit;
    this.reserve = l.reserve;
  }

  /** Re-evaluates `full` from the old generation's size now. */
  update(): void {
    const size = oldGenerationSize();
    const was = this.full;
    this.full = size > this.limit - this.reserve;
    if (this.full === was) return;
    const mb = (n: number): string => `${Math.round(n / MB)} MB`;
    if (this.full) {
      this.changesAtForce = -1;
      this.server.log.warning(
        `The V8 heap is nearly full (${mb(size)} used of ${mb(this.limit)}): write commands are refused with -OOM until memory is freed. Restart with NODE_OPTIONS=--max-old-space-size=<MB> to hold more.`,
      );
    } else {
      this.server.log.notice(`The V8 heap has room again (${mb(size)} used of ${mb(this.limit)}): write commands are accepted.`);
    }
  }

  /**
   * The cron's look. While full, a full GC tells what is live: at once (the
   * size may be garbage), again when data changed since (a command: DEL,
   * FLUSHALL; or an expiry), and every 10 s whatever happened (closed
   * clients). A forced GC of a big heap stops the loop for a while, so the
   * next one waits at least 20 times as long as the last one took.
   */
  cron(now: number): void {
    watch(this);
    this.update();
    if (!this.full) return;
    const changes = this.server.dirty + this.server.stats.expiredKeys;
    const wait = Math.max(1000, 20 * this.forcedMs);
    const due = changes !== this.changesAtForce ? wait : Math.max(10000, wait);
    if (now - this.forcedAt < due) return;
    this.forcedAt = now;
    this.changesAtForce = changes;
    const t0 = performance.now();
    fullGc();
    this.forcedMs = performance.now() - t0;
    this.update();
  }

  /** The OOM refusal for cmd from c, or null when it may run. */
  denied(c: Client, cmd: Command): string | null {
    if (!this.full || Database.loading) return null; // the AOF's commands replay as they ran
    let refuse = cmd.denyOom;
    if (c.multi !== null && !MULTI_OOM_EXEMPT.has(cmd.name)) refuse = true;
    if (cmd.name === 'exec' && c.multi !== null && c.multi.queue.some((q) => q.cmd.denyOom)) refuse = true;
    return refuse ? E.oomHeap(Math.round(this.limit / MB)) : null;
  }
}

/**
 * The guards of the servers whose cron runs, and one GC observer for all of
 * them (a server that was never started, or was closed, is not held).
 */
const watched = new Set<MemoryGuard>();
let observer: PerformanceObserver | null = null;

function watch(g: MemoryGuard): void {
  if (watched.has(g)) return;
  watched.add(g);
  if (observer === null) {
    observer = new PerformanceObserver(() => {
      for (const w of watched) w.update();
    });
    observer.observe({ entryTypes: ['gc'] });
  }
}

function unwatch(g: MemoryGuard): void {
  watched.delete(g);
  if (watched.size === 0 && observer !== null) {
    observer.disconnect();
    observer = null;
  }
}

/** Wires the guard into a server: GC observation once its cron runs, the command check (before MISCONF's, as in Redis). */
export function setupMemoryGuard(server: Server): void {
  const guard = new MemoryGuard(server);
  server.onClose.push(() => unwatch(guard));
  server.onCron.push((now) => guard.cron(now));
  const before = server.hooks.beforeCommand;
  server.hooks.beforeCommand = (c, cmd, argv) => guard.denied(c, cmd) ?? before(c, cmd, argv);
}

/** Calls between two looks at the heap while loading (getHeapStatistics: ~1.3 us). */
const LOAD_CHECK_EVERY = 128;

/**
 * The heap check of one file's load: check() every key or command. When the
 * heap in use passes limit - reserve, a full GC tells what is live; the load
 * stops when that is past limit - max(reserve/2, young + 16 MB): the data
 * would not fit, or the server could not write anything. A running server
 * refuses writes at limit - reserve, so what it wrote loads again with the
 * same heap; the rest is the load's margin before V8 would give up. After a
 * GC the next one waits until another reserve/4 is in use, so a load that
 * fits is not slowed down by GCs.
 */
export function startupRoom(): { check(file: string, offset: number): void } {
  const { limit, young, reserve } = heapLimits();
  const stopAbove = limit - Math.max(reserve / 2, young + 16 * MB);
  let n = 0;
  let gcAbove = limit - reserve;
  return {
    check(file: string, offset: number): void {
      if (++n % LOAD_CHECK_EVERY !== 0) return;
      if (v8.getHeapStatistics().used_heap_size <= gcAbove) return;
      fullGc();
      const live = oldGenerationSize();
      if (live > stopAbove) {
        throw new StartupError(
          [
            `The data in ${file} does not fit in this process's V8 heap: ${Math.round(live / MB)} MB of its ${Math.round(limit / MB)} MB limit are in use at offset ${offset}.`,
            `Nothing was changed on disk. Start kevy with a bigger heap if the machine has the memory, e.g. NODE_OPTIONS=--max-old-space-size=${Math.ceil((2 * limit) / MB)} kevy-server ...`,
          ].join('\n'),
        );
      }
      gcAbove = Math.max(limit - reserve, live + reserve / 4);
    },
  };
}
