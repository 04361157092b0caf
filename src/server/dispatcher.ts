/**
 * The one dispatcher: every request passes the generic checks here, in the
 * order Redis's processCommand does them, before its handler runs:
 *
 *   unknown command / unknown subcommand -> arity -> NOAUTH -> MISCONF
 *   (writes refused after a persistence error) -> RESP2 pub/sub context ->
 *   MULTI queueing -> call()
 *
 * call() runs the handler, measures it (INFO commandstats, SLOWLOG), feeds
 * MONITOR, and when the command changed data (server.dirty moved) hands its
 * effect to server.propagate() for the AOF: the request itself, or what the
 * handler put in c.propagateAs (EXPIRE logged as PEXPIREAT, ...).
 *
 * Command bodies never repeat these checks.
 */
import * as E from '../errors';
import type { Command } from '../commands/table';
import type { Client } from './client';

/** Replies with an error for a command that was refused before it ran. */
function reject(c: Client, cmd: Command | undefined, msg: string): void {
  if (cmd) cmd.stats.rejectedCalls++;
  c.server.hooks.commandRejected(c);
  c.error(msg);
}

export function processCommand(c: Client, argv: string[]): void {
  const server = c.server;
  c.lastInteraction = server.clock;
  const cmd = server.table.lookup(argv);
  if (cmd === undefined) {
    const base = server.table.commands.get(argv[0].toLowerCase());
    if (base !== undefined && base.subcommands !== null) {
      reject(c, undefined, E.unknownSubcommand(argv[1], argv[0]));
    } else {
      reject(c, undefined, E.unknownCommand(argv[0], argv.slice(1)));
    }
    return;
  }
  const arity = cmd.arity;
  if ((arity > 0 && arity !== argv.length) || argv.length < -arity || cmd.handler === null) {
    reject(c, cmd, E.wrongArity(cmd.name));
    return;
  }
  if (!c.authenticated && !cmd.flags.has('no_auth')) {
    reject(c, cmd, E.NOAUTH);
    return;
  }
  const guard = server.hooks.beforeCommand(c, cmd, argv);
  if (guard !== null) {
    if (guard !== '') reject(c, cmd, guard);
    return;
  }
  call(c, cmd, argv);
}

/** Runs a command that passed the checks (EXEC calls this for each queued command). */
export function call(c: Client, cmd: Command, argv: string[]): void {
  const server = c.server;
  const dirty = server.dirty;
  const errors = server.stats.totalErrorReplies;
  const outBefore = c.out.length;
  const modeBefore = c.replyMode;
  const t0 = performance.now();
  c.propagateAs = null;
  cmd.handler!(c, argv);
  const usec = Math.round((performance.now() - t0) * 1000);
  cmd.stats.calls++;
  cmd.stats.usec += usec;
  server.stats.totalCommands++;
  c.lastCommand = cmd.name;
  if (server.stats.totalErrorReplies !== errors) cmd.stats.failedCalls++;
  // CLIENT REPLY OFF/SKIP: drop this command's reply (but not CLIENT REPLY ON's own +OK).
  if (modeBefore !== 'on' && c.replyMode !== 'on') {
    c.out = c.out.slice(0, outBefore);
    if (c.replyMode === 'skip') c.replyMode = 'on';
  }
  if (server.dirty !== dirty) {
    server.propagate(c.db.id, c.propagateAs ?? [argv]);
  }
  server.hooks.afterCommand(c, cmd, argv, usec);
}
