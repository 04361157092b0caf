/**
 * The one dispatcher: every request passes the generic checks here, in the
 * order Redis's processCommand does them, before its handler runs:
 *
 *   unknown command / unknown subcommand -> arity -> NOAUTH ->
 *   hooks.beforeCommand (MISCONF: writes refused after a persistence error;
 *   RESP2 pub/sub context) -> MULTI queueing -> call()
 *
 * call() runs the handler, measures it (INFO commandstats, SLOWLOG), feeds
 * MONITOR, and when the command changed data (server.dirty moved) hands its
 * effect to server.propagate() for the AOF: the request itself, or what the
 * handler put in c.propagateAs (EXPIRE logged as PEXPIREAT, ...).
 *
 * Command bodies never repeat these checks.
 */
// Imported: the global `performance` is an accessor on globalThis, a getter
// call per use (~6 ns more per now() than this binding).
import { performance } from 'node:perf_hooks';
import * as E from '../errors';
import type { Command } from '../commands/table';
import { REPLY_SILENCED, REPLY_SKIP, REPLY_SKIP_NEXT, type Client } from './client';
import { MULTI_PASSTHROUGH, unwatchAll } from './multi';
import { handleReadyKeys } from './blocking';
import { Database } from '../store/database';

/**
 * Replies with an error for a command that was refused before it ran. A
 * refused EXEC discards the transaction and says why (Redis's
 * execCommandAbort); `formatted` errors (unknown command, arity) are quoted
 * there without their ERR code, as Redis's rejectCommandFormat does.
 */
function reject(c: Client, cmd: Command | undefined, msg: string, formatted = false): void {
  if (cmd) cmd.stats.rejectedCalls++;
  if (c.multi !== null) c.multi.error = true; // EXEC will answer EXECABORT
  c.server.hooks.commandRejected(c);
  const out = c.out.length;
  if (cmd !== undefined && cmd.name === 'exec') {
    c.multi = null;
    unwatchAll(c);
    c.error(`EXECABORT Transaction discarded because of: ${formatted ? msg.slice(4) : msg}`);
  } else {
    c.error(msg);
  }
  c.dropReplyIfOff(out);
}

export function processCommand(c: Client, argv: string[]): void {
  dispatch(c, argv);
  // The command is done (Redis's commandProcessed -> resetClient), unless it
  // blocked: a BLPOP waiting ends its command when it is released
  // (./blocking.ts), a command held by CLIENT PAUSE when it runs again here.
  if ((c.replyFlags & (REPLY_SKIP | REPLY_SKIP_NEXT)) !== 0 && !c.blocked) c.commandDone();
}

/**
 * An empty command (`*0`, `*-1`, a blank inline line): nothing runs, but
 * Redis's processInputBuffer still calls resetClient for it, so it ends a
 * CLIENT REPLY SKIP (and starts a pending one) and, outside MULTI, the
 * CLIENT CACHING yes/no of tracking, as a refused command does.
 */
export function processEmptyCommand(c: Client): void {
  c.server.hooks.commandRejected(c);
  c.commandDone();
}

function dispatch(c: Client, argv: string[]): void {
  const server = c.server;
  const cmd = server.table.lookup(argv);
  if (cmd === undefined) {
    const base = server.table.commands.get(argv[0].toLowerCase());
    if (base !== undefined && base.subcommands !== null) {
      reject(c, undefined, E.unknownSubcommand(argv[1], argv[0]), true);
    } else {
      reject(c, undefined, E.unknownCommand(argv[0], argv.slice(1)), true);
    }
    return;
  }
  const arity = cmd.arity;
  if ((arity > 0 && arity !== argv.length) || argv.length < -arity || cmd.handler === null) {
    reject(c, cmd, E.wrongArity(cmd.name), true);
    return;
  }
  c.lastCommand = cmd.name;
  // The field first: an authenticated client (nearly every command) makes no call.
  if (!c.authenticated && c.needsAuth() && !cmd.flags.has('no_auth')) {
    reject(c, cmd, E.NOAUTH);
    return;
  }
  if (c.multi !== null && cmd.flags.has('no_multi')) {
    reject(c, cmd, E.NOT_ALLOWED_IN_MULTI, true);
    return;
  }
  const guard = server.hooks.beforeCommand(c, cmd, argv);
  if (guard !== null) {
    if (guard !== '') reject(c, cmd, guard);
    return;
  }
  if (c.multi !== null && !MULTI_PASSTHROUGH.has(cmd.name)) {
    c.multi.queue.push({ cmd, argv });
    const out = c.out.length;
    c.simple('QUEUED');
    c.dropReplyIfOff(out);
    return;
  }
  call(c, cmd, argv);
  // Serve clients blocked on keys this command (or this EXEC) made ready.
  handleReadyKeys(server);
}

/** Runs a command that passed the checks (EXEC calls this for each queued command). */
export function call(c: Client, cmd: Command, argv: string[]): void {
  const server = c.server;
  const dirty = server.dirty;
  // Errors counted from here (Redis's incrCommandStatsOnError(NULL, 0)); a
  // nested call (EXEC's commands) moves the mark past the errors it counted.
  server.stats.errorMark = server.stats.totalErrorReplies;
  const outBefore = c.out.length;
  // CLIENT REPLY OFF/SKIP: this command's replies are dropped at its end,
  // from dropFrom (which a push it writes moves past itself, Client.pushed).
  // EXEC's are dropped piece by piece, as Redis's addReply checks the flags
  // at each write and a queued CLIENT REPLY may change them: its header by
  // execCommand, each queued command's reply by that command's call().
  const silenced = (c.replyFlags & REPLY_SILENCED) !== 0 && cmd.name !== 'exec';
  let dropFromBefore = -1;
  if (silenced) {
    dropFromBefore = c.dropFrom;
    c.dropFrom = outBefore;
  }
  // One clock read per command: inside a read's batch (Server.cmdClock >= 0) a
  // command starts when the previous one ended, so parsing and the checks
  // above count in its time (sub-microsecond). Two performance.now() per
  // command measured ~4% of busy time at -P 16 (perf: clock_gettime).
  const batch = server.cmdClock >= 0;
  const t0 = batch ? server.cmdClock : performance.now();
  c.propagateAs = null;
  Database.lookupStats = cmd.countsLookups ? server.stats : null;
  try {
    cmd.handler!(c, argv);
  } catch (err) {
    // A bug in a command must not take the server (and everyone's data) down:
    // drop the partial reply, answer an error, log the stack.
    c.out = c.out.slice(0, silenced ? c.dropFrom : outBefore);
    c.error(`ERR internal error running '${cmd.name}': ${(err as Error).message}`);
    server.log.warning(`Internal error running '${cmd.name}': ${(err as Error).stack ?? String(err)}`);
  }
  Database.lookupStats = null;
  const t1 = performance.now();
  if (batch) server.cmdClock = t1;
  const usec = Math.round((t1 - t0) * 1000);
  cmd.stats.calls++;
  cmd.stats.usec += usec;
  server.stats.totalCommands++;
  c.lastCommand = cmd.name;
  // New errors since the mark fail this command, not EXEC's queued command's ('>': CONFIG RESETSTAT zeroes the counter).
  if (server.stats.totalErrorReplies > server.stats.errorMark) cmd.stats.failedCalls++;
  server.stats.errorMark = server.stats.totalErrorReplies;
  if (silenced) {
    // Unless the command turned replies on (CLIENT REPLY ON's own +OK, RESET's +RESET).
    if ((c.replyFlags & REPLY_SILENCED) !== 0) c.out = c.out.slice(0, c.dropFrom);
    c.dropFrom = dropFromBefore;
  }
  // QUIT or CLIENT KILL of itself ran: nothing written after its reply reaches
  // the client (Client.finalOut), the rest of an EXEC included, as in Redis,
  // where _addReplyToBufferOrList adds nothing to a CLIENT_CLOSE_AFTER_REPLY client.
  if (c.closeAfterReply && c.finalOut < 0) c.finalOut = c.out.length;
  // Raised, as Redis's call() asks: a save (SAVE, SHUTDOWN SAVE) lowers dirty and changes nothing.
  if (server.dirty > dirty) {
    const effect = c.propagateAs ?? [argv];
    if (effect.length !== 0) server.propagate(c.db.id, effect);
  }
  server.hooks.afterCommand(c, cmd, argv, usec);
}
