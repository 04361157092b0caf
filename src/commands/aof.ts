/**
 * BGREWRITEAOF (aof.c's bgrewriteaofCommand): starts a rewrite of the AOF
 * (src/persistence/aof-rewrite.ts), or schedules it while a BGSAVE runs or
 * inside EXEC, as Redis does.
 *
 *   BGREWRITEAOF   +Background append only file rewriting started
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { bgrewriteaof, rewriteInProgress, scheduleRewrite } from '../persistence/aof-setup';
import type { Handler } from './table';

function bgrewriteaofCommand(c: Client): void {
  const server = c.server;
  if (rewriteInProgress(server)) {
    c.error(E.AOF_REWRITE_IN_PROGRESS);
    return;
  }
  if (c.state.inExec === true) {
    scheduleRewrite(server);
    c.simple('Background append only file rewriting scheduled');
    return;
  }
  const r = bgrewriteaof(server);
  if (r === 'scheduled') c.simple('Background append only file rewriting scheduled');
  else if (r === 'failed') c.error(E.AOF_REWRITE_FAILED);
  else c.simple('Background append only file rewriting started');
}

export const commands: Record<string, Handler> = {
  bgrewriteaof: bgrewriteaofCommand,
};
