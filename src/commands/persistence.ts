/**
 * Snapshot commands (rdb.c, debug.c): SAVE, BGSAVE [SCHEDULE] and DEBUG
 * RELOAD's body (DEBUG itself is in ./debug.ts; LASTSAVE in ./server.ts
 * reads the time kept by ../persistence/snapshot.ts).
 *
 *   SAVE               +OK once the dump is durable (blocks, as in Redis);
 *                      -ERR when it could not be written (see the log)
 *   BGSAVE             +Background saving started
 *   BGSAVE SCHEDULE    started, or "+Background saving scheduled" when an
 *                      AOF rewrite runs; inside MULTI always scheduled
 *   DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]   save, empty, load back
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { bgsaveInProgress, debugReload, flushAllSave, saveNow, snapshotState, startBgsave } from '../persistence/snapshot';
import { flushAllHooks } from './server';
import type { Handler } from './table';

flushAllHooks.push(flushAllSave);

function saveCommand(c: Client): void {
  const server = c.server;
  if (bgsaveInProgress(server)) {
    c.error(E.BGSAVE_IN_PROGRESS);
    return;
  }
  if (saveNow(server, true)) c.ok();
  else c.error(E.SAVE_FAILED);
}

function bgsaveCommand(c: Client, argv: string[]): void {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && argv[1].toLowerCase() === 'schedule') {
      schedule = true;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  const server = c.server;
  const st = snapshotState(server);
  if (st.bgsave !== null) {
    c.error(E.BGSAVE_IN_PROGRESS);
  } else if (st.otherJobActive() || c.state.inExec === true) {
    if (schedule || c.state.inExec === true) {
      st.scheduled = true;
      c.simple('Background saving scheduled');
    } else {
      c.error(E.BGSAVE_OTHER_CHILD);
    }
  } else {
    startBgsave(server);
    c.simple('Background saving started');
  }
}

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] (called by DEBUG after its own checks). */
export function debugReloadCommand(c: Client, argv: string[]): void {
  const opts = { save: true, flush: true, merge: false };
  for (let i = 2; i < argv.length; i++) {
    const o = argv[i].toLowerCase();
    if (o === 'merge') opts.merge = true;
    else if (o === 'noflush') opts.flush = false;
    else if (o === 'nosave') opts.save = false;
    else {
      c.error(E.RELOAD_OPTIONS);
      return;
    }
  }
  const err = debugReload(c.server, opts);
  if (err === null) c.ok();
  else c.error(err);
}

export const commands: Record<string, Handler> = {
  save: saveCommand,
  bgsave: bgsaveCommand,
};
