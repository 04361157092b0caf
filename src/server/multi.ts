/**
 * Transactions: the MULTI queue of each client and the WATCH registry.
 *
 * - While a client is in MULTI, the dispatcher queues every command except
 *   EXEC/DISCARD/MULTI/WATCH/QUIT/RESET and replies +QUEUED. A command
 *   refused while queueing (unknown, arity, ...) marks the transaction, and
 *   EXEC then answers -EXECABORT.
 * - WATCH registers (db, key) -> clients. Any change to a watched key (the
 *   keyspace hook keyChanged: writes, deletes, expiry, FLUSHDB/FLUSHALL,
 *   SWAPDB) marks the watching clients, whose next EXEC returns a null array.
 *   Reads never mark.
 *
 *   c.multi === null            // not in a transaction
 *   watchKey(c, db, key); touchKey(db, key); unwatchAll(c);
 */
import type { Command } from '../commands/table';
import type { Database } from '../store/database';
import type { Client } from './client';

export interface MultiState {
  queue: { cmd: Command; argv: string[] }[];
  /** A command was refused while queueing: EXEC aborts. */
  error: boolean;
}

/** Per-client WATCH state. */
export interface WatchState {
  keys: { db: Database; key: string }[];
  /** A watched key was touched: EXEC fails. */
  dirty: boolean;
}

/** Commands that run immediately even inside MULTI. */
export const MULTI_PASSTHROUGH = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

const watchers = new WeakMap<Database, Map<string, Set<Client>>>();

export function watchState(c: Client): WatchState {
  let w = c.state.watch as WatchState | undefined;
  if (!w) {
    w = { keys: [], dirty: false };
    c.state.watch = w;
  }
  return w;
}

export function watchKey(c: Client, db: Database, key: string): void {
  const w = watchState(c);
  if (w.keys.some((k) => k.db === db && k.key === key)) return;
  w.keys.push({ db, key });
  let m = watchers.get(db);
  if (!m) {
    m = new Map();
    watchers.set(db, m);
  }
  let set = m.get(key);
  if (!set) {
    set = new Set();
    m.set(key, set);
  }
  set.add(c);
}

export function unwatchAll(c: Client): void {
  const w = c.state.watch as WatchState | undefined;
  if (!w) return;
  for (const { db, key } of w.keys) {
    const m = watchers.get(db);
    const set = m?.get(key);
    if (!set) continue;
    set.delete(c);
    if (set.size === 0) m!.delete(key);
  }
  c.state.watch = undefined;
}

/** Marks every client watching key in db (called on every change to a key). */
export function touchKey(db: Database, key: string): void {
  const m = watchers.get(db);
  if (m === undefined || m.size === 0) return;
  const set = m.get(key);
  if (!set) return;
  for (const c of set) watchState(c).dirty = true;
}

/** True if any key c watches has logically expired since WATCH (Redis's isWatchedKeyExpired). */
export function watchedKeyExpired(c: Client, now: number): boolean {
  const w = c.state.watch as WatchState | undefined;
  if (!w) return false;
  for (const { db, key } of w.keys) {
    const when = db.expires.get(key);
    if (when !== undefined && when <= now && db.data.has(key)) return true;
  }
  return false;
}

/** SWAPDB: clients watching a key that exists in either database see it changed. */
export function touchSwappedDbs(a: Database, b: Database): void {
  for (const [db, other] of [
    [a, b],
    [b, a],
  ] as const) {
    const m = watchers.get(db);
    if (!m) continue;
    for (const [key, set] of m) {
      if (db.data.has(key) || other.data.has(key)) for (const c of set) watchState(c).dirty = true;
    }
  }
}
