/**
 * A point-in-time view of the whole keyspace without fork(): what BGSAVE
 * (and an AOF rewrite) serialize while the server keeps serving writes.
 *
 * Redis forks and lets the kernel copy pages on write. kevy copies per key:
 *
 *  - start() notes, per database, the IndexedMap it walks and its size (the
 *    RESIZEDB hints).
 *  - step() walks each map by slot, downward, from a cursor `next`: slots
 *    above it are "passed". The map's "scan-downward" invariant makes every
 *    key present during the whole walk reach the cursor.
 *  - the keyspace calls keyWillChange(db, key) BEFORE any change to a key
 *    (set, delete, in-place mutation, expiry, TTL change, flush, swap). A key
 *    at or below the cursor that was not emitted yet still holds the value
 *    (and TTL) it had at start(): it is emitted right then and put in `done`.
 *    A key that does not exist is being created: it lands above the cursor,
 *    in the passed region, and is never emitted.
 *  - a delete moves the map's last key into the freed slot. If the last key
 *    is in the passed region (walked already, or created after start) and the
 *    changing key is below the cursor, the last key might move down into the
 *    unwalked region: it goes into `done` too, so the walk skips it.
 *
 * `done` holds only keys the hooks touched (emitted, or moved down); the walk
 * drops a key from it when it passes the key's slot, so it stays as small as
 * the write traffic during the save. (A Set of every walked key would stall
 * the loop for tens of ms when V8 rehashes it at a million entries.)
 *
 * Invariants: "once" (a key is emitted at most once per database) and
 * "as-of-start" (a key is emitted with the value and TTL it had at start(),
 * and only if it existed then).
 *
 * A database whose map object was replaced (FLUSHDB/FLUSHALL, SWAPDB) had
 * every key announced first, so every key it had at start() was emitted by
 * then: the walk marks it finished and ignores it from there on.
 *
 *   const view = new PointInTimeView(server, (db, key, value, expireAt) => enc.key(key, value, expireAt));
 *   view.start();
 *   while (!view.slice()) await nextTurn();   // view.detach() on abort
 */
import type { Server } from '../server/server';
import type { Database } from '../store/database';
import type { IndexedMap } from '../store/indexed';
import type { Value } from '../store/types';

/** Receives each key of the view once: its database index, value and absolute TTL (-1: none). */
export type EmitKey = (db: number, key: string, value: Value, expireAtMs: number) => void;

interface DbWalk {
  db: Database;
  /** The map the walk started with; another object there means the database was flushed or swapped. */
  data: IndexedMap<Value>;
  /** Keys at start() and keys with a TTL then (RESIZEDB hints). */
  size: number;
  expires: number;
  /** Next slot to visit (downward); slots above it are passed. */
  next: number;
  finished: boolean;
  /** Keys at or below `next` the walk must skip (emitted by a hook, or moved down from the passed region). */
  done: Set<string>;
}

const VIEWS = Symbol('pointInTimeViews');

interface ViewHost {
  [VIEWS]?: Set<PointInTimeView>;
}

/**
 * Chains keyWillChange once per server so any number of views (a BGSAVE and
 * an AOF rewrite) see every change. With no view active it costs one size check.
 */
function viewsOf(server: Server): Set<PointInTimeView> {
  const host = server as unknown as ViewHost;
  let views = host[VIEWS];
  if (views === undefined) {
    const set = new Set<PointInTimeView>();
    views = set;
    host[VIEWS] = set;
    const hooks = server.keyspaceHooks;
    const prev = hooks.keyWillChange;
    hooks.keyWillChange = (db, key) => {
      prev(db, key);
      if (set.size !== 0) for (const v of set) v.willChange(db, key);
    };
  }
  return views;
}

/** Keys walked between two looks at the clock. */
const CLOCK_EVERY = 16;

/**
 * The encoded bytes a background save lets pile up before handing them to
 * its file (BackgroundSave.step, AofRewrite.walk): a hand-over per slice allocated
 * (a Buffer view, an array) about 500 bytes a slice, 25,000-50,000 slices a
 * second under a write load, and made the young generation collect about
 * three times as often during a save.
 */
export const TAKE_BYTES = 32 * 1024;

/**
 * Slice lengths (ms) of slice(). A command that arrives while a slice runs
 * waits for its end, so the slice length is the latency a save adds to every
 * client. A slice lasts a quarter of the time the loop spent on everything
 * else since the previous one (a busy loop gives the walk a fifth of its
 * time, and the backlog of commands after a GC pause drains sooner), within
 * these bounds: the minimum bounds the cost of the loop's turns, the maximum
 * bounds the wait. When no command ran for IDLE_AFTER_MS nobody waits, and
 * a slice is IDLE_SLICE_MS: an idle server's BGSAVE of 1,000,000 keys takes
 * as long as with the 0.2-1 ms slices used before (350-420 ms), where
 * 0.05-0.1 ms slices alone took 400 ms against 330.
 * GET p99 from another client during a BGSAVE of 1,000,000 keys under
 * 50,000 SET/s (node bench/bgsave-latency.js, builds side by side):
 *   slices                  BGSAVE p99   BGREWRITEAOF p99   BGSAVE time
 *   away, 0.2-1 ms          3.1-6.4 ms   1.8-2.9 ms          550-790 ms
 *   away, 0.05-0.1 ms       1.5-2.1 ms   0.9-1.4 ms          460-570 ms
 *   away/4, 0.05-0.1 ms     1.2-1.4 ms   0.9-1.0 ms          470-540 ms
 *   away/4, 0.02-0.1 ms     0.7-1.1 ms   0.6 ms              650-660 ms
 * (Redis in the same runs: 0.26-0.29 ms, 0.24-0.33 ms, 670-900 ms.)
 * With client batches yielding after 0.02 ms during a walk
 * (Server.setBackgroundWalk), kevy alone, 3 rounds each:
 *   away/4, 0.01-0.05 ms    0.50-0.67 ms 0.43-0.44 ms        617-640 ms
 *   away/4, 0.005-0.02 ms   0.50 ms      0.25 ms             780 ms
 * A 0.02 ms cap starved the walk under a flood (redis-benchmark -P 16 -c 50
 * SET/GET, 1,000,000 keys): a BGSAVE took 20.7 s, against 12.1 s with
 * 0.02-0.1 ms and 7.7-8.1 s with 0.005-0.1 ms (under a flood a poll phase is
 * long, and a quarter of it adds little to what its clients wait). In one
 * run, 0.005-0.1 ms against 0.005-0.02 ms: 0.26 / 0.23 ms against 0.27 /
 * 0.20 (Redis 0.26 / 0.27). The README has the latest full run.
 */
export const MIN_SLICE_MS = 0.005;
export const MAX_SLICE_MS = 0.1;
export const IDLE_SLICE_MS = 1;
const IDLE_AFTER_MS = 10;

export class PointInTimeView {
  private walks: DbWalk[] = [];
  private current = 0;
  private attached = false;
  /** performance.now() at the end of the last slice() (-1: none yet). */
  private lastSliceEnd = -1;
  /** Commands the server had run (stats.totalCommands) when a slice last saw that count change, and when. */
  private commandsSeen = -1;
  private lastBusy = 0;
  /** Keys emitted so far, and keys the view holds in all (INFO current_save_keys_*). */
  emitted = 0;
  total = 0;

  constructor(
    private readonly server: Server,
    private readonly emit: EmitKey,
  ) {}

  /** Takes the view: from now on, changes are copied before they happen. */
  start(): void {
    if (this.attached) return; // taken already
    this.walks = this.server.dbs.map((db) => ({
      db,
      data: db.data,
      size: db.data.size,
      expires: db.expires.size,
      next: db.data.size - 1,
      finished: db.data.size === 0,
      done: new Set<string>(),
    }));
    this.total = this.walks.reduce((n, w) => n + w.size, 0);
    this.current = 0;
    viewsOf(this.server).add(this);
    this.attached = true;
    this.server.setBackgroundWalk(true);
  }

  /** Key and TTL counts of database i at start() (for RESIZEDB). */
  sizeOf(db: number): { size: number; expires: number } {
    const w = this.walks[db];
    return { size: w.size, expires: w.expires };
  }

  /** Stops following changes (after the last step, or to abort). */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    const views = viewsOf(this.server);
    views.delete(this);
    this.server.setBackgroundWalk(views.size !== 0);
    this.walks = [];
  }

  /** Called before key changes in db (through the chained keyspace hook). */
  willChange(db: Database, key: string): void {
    const w = this.walks[db.id];
    if (w === undefined || w.finished) return;
    const data = w.data;
    if (db.data !== data) {
      w.finished = true;
      return;
    }
    const last = data.size - 1;
    // Deletes only shrink the map: keep the cursor inside it, so keys appended next land above it.
    if (w.next > last) w.next = last;
    const slot = data.slotOf(key);
    if (slot < 0 || slot > w.next) return; // being created, or in the passed region
    // The change may be a delete that moves the last key into `slot`.
    if (last > w.next) w.done.add(data.keyAt(last));
    if (w.done.has(key)) return;
    w.done.add(key);
    const when = db.expires.size === 0 ? undefined : db.expires.get(key);
    this.emitted++;
    this.emit(db.id, key, data.valAt(slot), when === undefined ? -1 : when);
  }

  /**
   * One event-loop turn's walk: step() for a quarter of the time the loop
   * spent elsewhere since the previous slice, within [MIN_SLICE_MS,
   * MAX_SLICE_MS], or IDLE_SLICE_MS when no command ran for IDLE_AFTER_MS.
   * True when every key was emitted.
   */
  slice(): boolean {
    // Replies produced since the last slice go out first (see Server.flushQueuedWrites).
    this.server.flushQueuedWrites();
    const now = performance.now();
    const away = this.lastSliceEnd < 0 ? 0 : now - this.lastSliceEnd;
    const commands = this.server.stats.totalCommands;
    if (commands !== this.commandsSeen) {
      this.commandsSeen = commands;
      this.lastBusy = now;
    }
    const idle = now - this.lastBusy > IDLE_AFTER_MS;
    const done = this.step(idle ? IDLE_SLICE_MS : Math.min(MAX_SLICE_MS, Math.max(MIN_SLICE_MS, away / 4)));
    this.lastSliceEnd = performance.now();
    return done;
  }

  /**
   * Walks for about budgetMs (at least a few keys); true when every key of
   * the view was emitted (then call detach()).
   */
  step(budgetMs: number): boolean {
    const deadline = performance.now() + budgetMs;
    while (this.current < this.walks.length) {
      const w = this.walks[this.current];
      if (w.finished || w.db.data !== w.data) {
        w.finished = true;
        this.current++;
        continue;
      }
      const data = w.data;
      const expires = w.db.expires;
      const done = w.done;
      const id = w.db.id;
      let slot = Math.min(w.next, data.size - 1);
      for (let n = 0; slot >= 0; slot--) {
        const key = data.keyAt(slot);
        if (done.size !== 0 && done.delete(key)) {
          // Emitted by a hook, or walked before and moved down: skip.
        } else {
          const when = expires.size === 0 ? undefined : expires.get(key);
          this.emitted++;
          this.emit(id, key, data.valAt(slot), when === undefined ? -1 : when);
        }
        if (++n === CLOCK_EVERY) {
          n = 0;
          if (performance.now() >= deadline) {
            w.next = slot - 1;
            return false;
          }
        }
      }
      w.next = -1;
      w.finished = true;
      this.current++;
    }
    return true;
  }
}
