/**
 * Server commands (server.c, db.c): INFO, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB,
 * TIME, LASTSAVE, SHUTDOWN, MONITOR. DEBUG is in ./debug.ts, FUNCTION and
 * SCRIPT in ./scripting.ts, the INFO text in ../server/info.ts.
 *
 *   FLUSHALL        dirty += keys removed, always logged (even when empty)
 *   SWAPDB 0 1      dirty += 1; watched keys of both databases are touched
 *   SHUTDOWN        no reply: the server closes (server.shutdown()), then the
 *                   onExit listeners run (the CLI exits the process there)
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { genInfo, parseSections, persistenceInfo } from '../server/info';
import { isMonitor, startMonitor, stopMonitor } from '../server/monitor';
import type { Server } from '../server/server';
import type { Database } from '../store/database';
import { parseInt64 } from '../util/numbers';
import { resetHooks } from './connection';
import type { Handler } from './table';

resetHooks.push(stopMonitor);

/** Run by FLUSHALL after the keys are gone (the persistence layer saves here when save points are set). */
export const flushAllHooks: ((server: Server) => void)[] = [];

/** What SHUTDOWN asked for, for the onShutdown hooks (save: undefined = as the save points say). */
export interface ShutdownRequest {
  save: boolean | undefined;
  now: boolean;
  force: boolean;
}

function infoCommand(c: Client, argv: string[]): void {
  const { names, all } = parseSections(argv.slice(1));
  c.verbatim(genInfo(c.server, names, all));
}

function dbsizeCommand(c: Client): void {
  c.integer(c.db.size);
}

/** getFlushCommandFlags: no argument, SYNC or ASYNC (kevy frees at once either way). */
function flushArgsOk(c: Client, argv: string[]): boolean {
  if (argv.length === 1) return true;
  const m = argv[1].toLowerCase();
  if (argv.length === 2 && (m === 'sync' || m === 'async')) return true;
  c.error(E.SYNTAX);
  return false;
}

function flushdbCommand(c: Client, argv: string[]): void {
  if (!flushArgsOk(c, argv)) return;
  const removed = c.db.flush();
  c.server.dirty += removed;
  // Redis forces the propagation even when the database was already empty.
  if (removed === 0) c.server.propagate(c.db.id, [argv]);
  c.ok();
}

function flushallCommand(c: Client, argv: string[]): void {
  if (!flushArgsOk(c, argv)) return;
  const server = c.server;
  let removed = 0;
  for (const db of server.dbs) removed += db.flush();
  server.dirty += removed;
  for (const fn of flushAllHooks) fn(server);
  // As FLUSHDB: logged even when every database was already empty.
  if (removed === 0) server.propagate(c.db.id, [argv]);
  c.ok();
}

/** getIntFromObjectOrReply: a 32-bit integer or the given error. */
function parseDbIndex(s: string): number | null {
  const n = parseInt64(s);
  return n === null || n < -2147483648 || n > 2147483647 ? null : n;
}

function swapdbCommand(c: Client, argv: string[]): void {
  const server = c.server;
  const id1 = parseDbIndex(argv[1]);
  if (id1 === null) {
    c.error(E.INVALID_FIRST_DB_INDEX);
    return;
  }
  const id2 = parseDbIndex(argv[2]);
  if (id2 === null) {
    c.error(E.INVALID_SECOND_DB_INDEX);
    return;
  }
  const n = server.dbs.length;
  if (id1 < 0 || id1 >= n || id2 < 0 || id2 >= n) {
    c.error(E.DB_INDEX_OUT_OF_RANGE);
    return;
  }
  if (id1 !== id2) swapDatabases(server.dbs[id1], server.dbs[id2]);
  server.dirty++;
  c.ok();
}

/**
 * Swaps two databases' contents. Every key of either is announced as
 * changing in both (keyWillChange before, keyChanged after), which is what
 * WATCH (a watched key that existed in either database is touched), blocked
 * clients (a list may have appeared) and a running snapshot need. O(keys).
 */
function swapDatabases(a: Database, b: Database): void {
  const keysA = [...a.data.keys()];
  const keysB = [...b.data.keys()];
  for (const k of keysA) a.hooks.keyWillChange(a, k);
  for (const k of keysB) b.hooks.keyWillChange(b, k);
  a.swapWith(b);
  for (const keys of [keysA, keysB]) {
    for (const k of keys) {
      a.hooks.keyChanged(a, k);
      b.hooks.keyChanged(b, k);
    }
  }
}

function timeCommand(c: Client): void {
  const t = performance.timeOrigin + performance.now();
  const sec = Math.floor(t / 1000);
  const usec = Math.floor((t - sec * 1000) * 1000);
  c.bulkArray([String(sec), String(usec)]);
}

function lastsaveCommand(c: Client): void {
  c.integer(Number(persistenceInfo(c.server).fields.rdb_last_save_time));
}

function shutdownCommand(c: Client, argv: string[]): void {
  const req: ShutdownRequest = { save: undefined, now: false, force: false };
  let abort = false;
  let flagged = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'nosave' || a === 'save') {
      if (req.save !== undefined && req.save !== (a === 'save')) {
        c.error(E.SYNTAX);
        return;
      }
      req.save = a === 'save';
    } else if (a === 'now') {
      req.now = true;
    } else if (a === 'force') {
      req.force = true;
    } else if (a === 'abort') {
      abort = true;
      continue;
    } else {
      c.error(E.SYNTAX);
      return;
    }
    flagged = true;
  }
  if (abort && flagged) {
    c.error(E.SYNTAX);
    return;
  }
  // Without replicas to wait for, a shutdown never stays in progress.
  if (abort) {
    c.error(E.NO_SHUTDOWN_IN_PROGRESS);
    return;
  }
  const server = c.server;
  server.ext.shutdownRequest = req;
  server.log.warning('User requested shutdown...');
  const done = server.shutdown();
  if (!server.shuttingDown) {
    // Refused before anything closed (the final save failed, see the log): the server goes on.
    done.catch(() => {});
    c.error(E.SHUTDOWN_FAILED);
    return;
  }
  // No reply and nothing more from this client: the connection just closes.
  c.blocked = true;
  done
    .then(() => {
      server.log.warning('kevy is now ready to exit, bye bye...');
      for (const fn of server.onExit) fn();
    })
    .catch((err: Error) => server.log.warning(`Errors trying to shut down the server: ${err.message}`));
}

function monitorCommand(c: Client): void {
  // A client that needs one reply per command (inside EXEC) cannot monitor.
  if (c.state.inExec) {
    c.error(E.MONITOR_DENY_BLOCKING);
    return;
  }
  // Already monitoring: Redis ignores it, without a reply.
  if (isMonitor(c)) return;
  startMonitor(c);
  c.ok();
}

export const commands: Record<string, Handler> = {
  info: infoCommand,
  dbsize: dbsizeCommand,
  flushdb: flushdbCommand,
  flushall: flushallCommand,
  swapdb: swapdbCommand,
  time: timeCommand,
  lastsave: lastsaveCommand,
  shutdown: shutdownCommand,
  monitor: monitorCommand,
};
