/**
 * Clients blocked on keys (BLPOP, BLMOVE, BLMPOP, BZPOPMIN, BZMPOP, ...):
 * Redis's blocked.c, generic over the value type.
 *
 * Contract:
 *  - A blocking command that cannot be served at once calls
 *      blockClient(c, { db, keys, timeoutMs, tryServe, onTimeout })
 *    timeoutMs is an absolute deadline in ms (parseTimeout() gives it), 0 =
 *    forever. The client is marked c.blocked, so server.processInput runs no
 *    further pipelined command of c until it is unblocked. The command writes
 *    no reply of its own and changes no data.
 *  - signalKeyAsReady(db, key) marks a key that may now serve a waiter. The
 *    server's keyChanged keyspace hook calls it for every changed key (so
 *    RENAME, MOVE, RESTORE, COPY, SWAPDB ... are covered, like Redis's dbAdd
 *    and SWAPDB signalling); push commands call it too. It returns at once
 *    when no client is blocked, and costs a map lookup otherwise.
 *  - After each command (and after a whole EXEC: EXEC's inner commands go
 *    through dispatcher.call, not processCommand) the dispatcher calls
 *    handleReadyKeys(server). For every ready key, the clients blocked on it
 *    are offered it first come, first served: spec.tryServe(c, key) checks the
 *    key (exists, right type), performs the pop, writes the reply to c, calls
 *    server.propagate(db.id, [...effect...]) and server.dirty++ itself, and
 *    returns true; it returns false to keep waiting (key empty, wrong type).
 *    A served client is unblocked, its reply flushed, and its pipelined input
 *    processed right after the current command batch (Redis: beforeSleep's
 *    processUnblockedClients). Serving may signal more keys (BLMOVE's
 *    destination); they are served in the same pass.
 *  - At the deadline spec.onTimeout(c) writes the timeout reply (null array
 *    for BLPOP, null bulk for BLMOVE) and the client is unblocked.
 *  - CLIENT UNBLOCK (unblockClientById) replies through onTimeout or with the
 *    UNBLOCKED error, and counts the command failed (INFO commandstats). A
 *    client that disconnects while blocked is forgotten. A client blocked
 *    otherwise (a command held by CLIENT PAUSE) is left to otherUnblockers.
 *  - A serve or a CLIENT UNBLOCK ends the command for the slow log and INFO
 *    latencystats (unblockedHooks); a timeout does not count there.
 *  - mayBlock(c) is false inside EXEC or a script (c.state.inExec or
 *    c.state.denyBlocking set by those layers): the command then answers as if
 *    it had timed out, like Redis's CLIENT_DENY_BLOCKING.
 *
 *   if (!mayBlock(c)) { c.nullArray(); return; }
 *   blockClient(c, { db: c.db, keys, timeoutMs,
 *     tryServe: (bc, key) => popAndReply(bc, key), onTimeout: (bc) => bc.nullArray() });
 */
import { performance } from 'node:perf_hooks';
import * as E from '../errors';
import type { Database } from '../store/database';
import type { Client } from './client';
import type { Server } from './server';
import { longDoubleToNumber, parseLongDouble } from '../util/longdouble';

export interface BlockSpec {
  /** The database the keys live in (the client's db when it blocked). */
  db: Database;
  /** The keys the client waits on, in the command's order. */
  keys: string[];
  /** Absolute deadline in ms; 0 = forever. */
  timeoutMs: number;
  /** Serves c from key if possible (reply, pop, propagate, dirty++); false = keep waiting. */
  tryServe(c: Client, key: string): boolean;
  /** Writes the reply for a timed-out (or CLIENT UNBLOCK'ed) client. */
  onTimeout(c: Client): void;
}

interface Waiter {
  c: Client;
  spec: BlockSpec;
  timer: NodeJS.Timeout | null;
}

/** The waiters of one database, found from the Database itself so signalKeyAsReady needs no server. */
interface DbWaiters {
  registry: Registry;
  /** key -> waiters in blocking order. */
  keys: Map<string, Waiter[]>;
}

const waitersOf = new WeakMap<Database, DbWaiters>();

/** Blocked clients in the process: signalKeyAsReady's fast path when 0 (it runs on every key change). */
let waiting = 0;

/**
 * Run when a blocked command ends, after its reply: served (with the time the
 * serve took), woken by CLIENT UNBLOCK, or timed out. ./slowlog.ts records
 * the first two in the slow log and INFO latencystats, as Redis 7.0's
 * updateStatsOnUnblock does, rather than when the command blocked.
 */
export const unblockedHooks: ((c: Client, how: 'served' | 'unblocked' | 'timeout', serveUsec: number) => void)[] = [];

/** The per-server registry, kept in server.ext.blocking. */
class Registry {
  readonly byClient = new Map<number, Waiter>();
  /** Keys signalled since the last handleReadyKeys, as db id + ':' + key, and their parts. */
  readyNames = new Set<string>();
  ready: { db: Database; key: string }[] = [];
  /** Clients unblocked during this batch whose pipelined input must run (flagged c.unblocked until then). */
  reprocess: Client[] = [];
  reprocessQueued = false;

  constructor(readonly server: Server) {
    server.onClientClose.push((c) => {
      if (this.byClient.has(c.id)) this.remove(c);
    });
  }

  keysOf(db: Database): Map<string, Waiter[]> {
    let d = waitersOf.get(db);
    if (d === undefined) {
      d = { registry: this, keys: new Map() };
      waitersOf.set(db, d);
    }
    return d.keys;
  }

  /** Forgets c's wait (all keys, timer); c.blocked becomes false. */
  remove(c: Client): Waiter | undefined {
    const w = this.byClient.get(c.id);
    if (w === undefined) return undefined;
    this.byClient.delete(c.id);
    waiting--;
    if (w.timer !== null) clearTimeout(w.timer);
    const m = this.keysOf(w.spec.db);
    for (const key of w.spec.keys) {
      const list = m.get(key);
      if (list === undefined) continue;
      const i = list.indexOf(w);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) m.delete(key);
    }
    c.blocked = false;
    delete c.state.blockedOn;
    return w;
  }

  /**
   * Unblocks c after its reply was written: flushed at the end of this tick
   * through scheduleFlush (under appendfsync always the AOF holds it until
   * the fsync of the write that served it, as any reply), its pending input
   * run after this batch.
   */
  release(c: Client): void {
    this.remove(c);
    // Its command is done now, not when it blocked (Redis's unblockClient -> resetClient).
    c.commandDone();
    if (c.closed) return;
    this.server.scheduleFlush(c);
    c.unblocked = true;
    this.reprocess.push(c);
    if (!this.reprocessQueued) {
      this.reprocessQueued = true;
      queueMicrotask(() => this.runReprocess());
    }
  }

  private runReprocess(): void {
    this.reprocessQueued = false;
    const list = this.reprocess;
    this.reprocess = [];
    for (const c of list) {
      c.unblocked = false;
      if (!c.closed && !c.blocked && c.parser !== null) this.server.processInput(c);
    }
  }

  timedOut(c: Client): void {
    const w = this.byClient.get(c.id);
    if (w === undefined) return;
    w.timer = null;
    deferredReply(c, () => w.spec.onTimeout(c));
    for (const h of unblockedHooks) h(c, 'timeout', 0);
    this.release(c);
  }
}

/**
 * Runs what writes a blocked command's reply (served, timed out, CLIENT
 * UNBLOCK) as the command itself would have written it: dropped while the
 * client's replies are off or skipped (CLIENT REPLY OFF / SKIP; the skip
 * ends when release() ends the command), as Redis's addReply drops it then,
 * but not the pushes written meanwhile (Client.pushed).
 * Returns write's result.
 * Around it, hooks.beforeDeferredReply / afterDeferredReply: what the serve
 * itself causes for c (a tracking invalidation of a key it moved) is held
 * until after the reply, and kept when the reply is dropped.
 */
export function deferredReply<T>(c: Client, write: () => T): T {
  const hooks = c.server.hooks;
  hooks.beforeDeferredReply(c);
  const dropFrom = c.dropFrom;
  c.dropFrom = c.out.length;
  let r: T;
  try {
    r = write();
    // From past the pushes the serve wrote to c (a keyspace event it subscribed to): Client.pushed.
    c.dropReplyIfOff(c.dropFrom);
  } finally {
    c.dropFrom = dropFrom;
    hooks.afterDeferredReply(c);
  }
  return r;
}

function registry(server: Server): Registry {
  let r = server.ext.blocking as Registry | undefined;
  if (r === undefined) {
    r = new Registry(server);
    server.ext.blocking = r;
  }
  return r;
}

/** False when c must not block (inside EXEC or a script): answer as a timeout instead. */
export function mayBlock(c: Client): boolean {
  return c.state.inExec !== true && c.state.denyBlocking !== true;
}

/** Blocks c until one of spec.keys can serve it, the deadline passes, or CLIENT UNBLOCK. */
export function blockClient(c: Client, spec: BlockSpec): void {
  const r = registry(c.server);
  const w: Waiter = { c, spec, timer: null };
  const m = r.keysOf(spec.db);
  for (const key of spec.keys) {
    const list = m.get(key);
    if (list === undefined) m.set(key, [w]);
    else if (!list.includes(w)) list.push(w);
  }
  r.byClient.set(c.id, w);
  waiting++;
  c.blocked = true;
  c.state.blockedOn = spec.keys;
  if (spec.timeoutMs > 0) {
    const delay = Math.max(0, spec.timeoutMs - Date.now());
    // setTimeout caps at 2^31-1 ms; longer waits re-arm on the way.
    w.timer = setTimeout(function fire() {
      const left = spec.timeoutMs - Date.now();
      if (left > 0) {
        w.timer = setTimeout(fire, Math.min(left, 0x7fffffff));
        w.timer.unref();
        return;
      }
      r.timedOut(c);
    }, Math.min(delay, 0x7fffffff));
    w.timer.unref();
  }
}

/** Marks key as possibly able to serve clients blocked on it (a map lookup when nobody waits). */
export function signalKeyAsReady(db: Database, key: string): void {
  if (waiting === 0) return;
  const d = waitersOf.get(db);
  if (d === undefined || !d.keys.has(key)) return;
  const r = d.registry;
  const name = db.id + ':' + key;
  if (r.readyNames.has(name)) return;
  r.readyNames.add(name);
  r.ready.push({ db, key });
}

/** Serves the clients blocked on keys signalled since the last call (the dispatcher calls it after each command). */
export function handleReadyKeys(server: Server): void {
  const r = server.ext.blocking as Registry | undefined;
  if (r === undefined || r.ready.length === 0) return;
  while (r.ready.length > 0) {
    const batch = r.ready;
    r.ready = [];
    r.readyNames.clear();
    for (const { db, key } of batch) {
      const list = waitersOf.get(db)?.keys.get(key);
      if (list === undefined) continue;
      // A copy: serving removes waiters from the list.
      for (const w of list.slice()) {
        if (!w.c.blocked || r.byClient.get(w.c.id) !== w) continue;
        const t0 = performance.now();
        if (deferredReply(w.c, () => w.spec.tryServe(w.c, key))) {
          const usec = Math.round((performance.now() - t0) * 1000);
          for (const h of unblockedHooks) h(w.c, 'served', usec);
          r.release(w.c);
        }
      }
    }
  }
}

/**
 * CLIENT UNBLOCK for a client blocked otherwise than on keys: CLIENT PAUSE
 * adds one for the commands it holds (commands/client.ts). Each answers
 * true if it unblocked the client with that id.
 */
export const otherUnblockers: ((server: Server, id: number, withError: boolean) => boolean)[] = [];

/** CLIENT UNBLOCK: unblocks a client blocked on keys (or held, otherUnblockers); false if it is not. */
export function unblockClientById(server: Server, id: number, withError: boolean): boolean {
  const r = server.ext.blocking as Registry | undefined;
  const w = r?.byClient.get(id);
  if (r === undefined || w === undefined) return otherUnblockers.some((u) => u(server, id, withError));
  deferredReply(w.c, () => (withError ? w.c.error(E.UNBLOCKED) : w.spec.onTimeout(w.c)));
  // Redis 7.0's CLIENT UNBLOCK counts the blocked command as failed in INFO
  // commandstats, TIMEOUT included (seen on redis-server 7.0.15: blpop
  // failed_calls=1 either way); a real timeout or a serve does not. Its calls
  // were counted when it blocked; the UNBLOCKED error itself is counted by
  // c.error (total_error_replies, errorstat_UNBLOCKED) and in CLIENT UNBLOCK's
  // own failed_calls by the dispatcher.
  const cmd = server.table.commands.get(w.c.lastCommand);
  if (cmd !== undefined) cmd.stats.failedCalls++;
  for (const h of unblockedHooks) h(w.c, 'unblocked', 0);
  r.release(w.c);
  return true;
}

/** Number of clients blocked on keys (INFO blocked_clients). */
export function blockedClientCount(server: Server): number {
  const r = server.ext.blocking as Registry | undefined;
  return r === undefined ? 0 : r.byClient.size;
}

/**
 * Parses a blocking timeout in seconds (decimals allowed) into an absolute
 * deadline in ms (0 = forever), as getTimeoutFromObjectOrReply does: strtold
 * over the whole text (hex floats and inf accepted, NaN and leading spaces
 * refused), ms = (long long)(seconds * 1000) so under 1 ms means forever, an
 * out-of-range conversion turns negative. Replies with the error and returns
 * null on failure.
 */
export function parseTimeout(c: Client, s: string): number | null {
  const parsed = parseLongDouble(s);
  if (parsed === null) {
    c.error(E.TIMEOUT_NOT_FLOAT);
    return null;
  }
  const ms = longDoubleToNumber(parsed) * 1000;
  // x86 converts an out-of-range long double to LLONG_MIN: negative.
  if (!(ms < 9223372036854775808) || ms <= -1) {
    c.error(E.TIMEOUT_NEGATIVE);
    return null;
  }
  const tval = Math.trunc(ms);
  if (tval <= 0) return 0;
  const now = Date.now();
  if (tval > 9223372036854775807 - now) {
    c.error(E.TIMEOUT_OUT_OF_RANGE);
    return null;
  }
  return tval + now;
}
