/**
 * Transactions (multi.c): MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 * The queueing itself happens in the dispatcher; the state is in
 * src/server/multi.ts.
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { call } from '../server/dispatcher';
import { unwatchAll, watchedKeyExpired, watchKey, watchState, type MultiState } from '../server/multi';
import type { Handler } from './table';
import { resetHooks } from './connection';

resetHooks.push((c) => discardTransaction(c));

function multiCommand(c: Client): void {
  if (c.multi !== null) {
    c.error(E.NESTED_MULTI);
    return;
  }
  c.multi = { queue: [], error: false };
  c.ok();
}

function discardTransaction(c: Client): void {
  c.multi = null;
  unwatchAll(c);
}

function discardCommand(c: Client): void {
  if (c.multi === null) {
    c.error(E.DISCARD_WITHOUT_MULTI);
    return;
  }
  discardTransaction(c);
  c.ok();
}

/**
 * EXEC drops its own replies under CLIENT REPLY OFF/SKIP (dispatcher.call
 * leaves EXEC's to it): the array header is written, or dropped, before the
 * queued commands run, and a queued CLIENT REPLY changes what follows. As in
 * Redis, the header then counts replies the client does not get (a queued
 * CLIENT REPLY OFF/SKIP answers nothing).
 */
function execCommand(c: Client): void {
  const mark = c.out.length;
  const m: MultiState | null = c.multi;
  if (m === null) {
    c.error(E.EXEC_WITHOUT_MULTI);
    c.dropReplyIfOff(mark);
    return;
  }
  const w = c.state.watch ? watchState(c) : null;
  const casFailed = w !== null && (w.dirty || watchedKeyExpired(c, Date.now()));
  if (m.error || casFailed) {
    if (m.error) c.error(E.EXECABORT);
    else c.nullArray();
    c.dropReplyIfOff(mark);
    discardTransaction(c);
    return;
  }
  // The keys are no longer watched once EXEC runs (a change made by the
  // transaction itself must not matter).
  unwatchAll(c);
  c.multi = null;
  const server = c.server;
  c.arrayLen(m.queue.length);
  c.dropReplyIfOff(mark);
  c.state.inExec = true;
  server.beginPropagateBatch();
  try {
    for (const { cmd, argv } of m.queue) call(c, cmd, argv);
  } finally {
    c.state.inExec = false;
    server.endPropagateBatch();
  }
  c.propagateAs = []; // the queued commands were propagated, not EXEC itself
}

function watchCommand(c: Client, argv: string[]): void {
  if (c.multi !== null) {
    c.error(E.WATCH_IN_MULTI);
    return;
  }
  // Already dirty: nothing more to watch (as Redis does).
  if (c.state.watch && watchState(c).dirty) {
    c.ok();
    return;
  }
  for (let i = 1; i < argv.length; i++) {
    c.db.get(argv[i]); // a key already expired is removed now, not counted as a change later
    watchKey(c, c.db, argv[i]);
  }
  c.ok();
}

function unwatchCommand(c: Client): void {
  unwatchAll(c);
  c.ok();
}

export const commands: Record<string, Handler> = {
  multi: multiCommand,
  exec: execCommand,
  discard: discardCommand,
  watch: watchCommand,
  unwatch: unwatchCommand,
};
