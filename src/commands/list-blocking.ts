/**
 * Blocking list commands (t_list.c, blocked.c): BLPOP, BRPOP, BLMOVE,
 * BRPOPLPUSH, BLMPOP, and CLIENT UNBLOCK.
 *
 * A blocking command whose keys can serve it at once behaves as its
 * non-blocking twin and propagates as that twin (BLPOP -> LPOP key, BLMOVE
 * -> LMOVE, BRPOPLPUSH -> RPOPLPUSH, BLMPOP -> LPOP/RPOP key n). Otherwise
 * the client blocks (../server/blocking.ts) and is served later by a push,
 * propagating the same effects; inside EXEC it answers as a timeout.
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { NOTIFY, notify } from '../server/notify';
import { blockClient, mayBlock, parseTimeout, unblockClientById } from '../server/blocking';
import type { Database } from '../store/database';
import { parseInt64 } from '../util/numbers';
import { listAt, moveElement, parseWhere, popOne, popRangeWithKey, type Where } from './list-ops';
import type { Handler } from './table';
import { lookupTyped, parseMpopArgs } from './lookup';

/** Blocked list clients time out with a null array (replyToBlockedClientTimedOut), BLMOVE included. */
function nullArrayTimeout(c: Client): void {
  c.nullArray();
}

// ---- BLPOP / BRPOP -------------------------------------------------------------

function servePop(c: Client, db: Database, key: string, head: boolean): boolean {
  const list = listAt(db, key);
  if (list === undefined) return false;
  const v = popOne(db, key, list, head);
  notify(c.server, NOTIFY.LIST, head ? 'lpop' : 'rpop', key, db.id);
  if (list.size === 0) notify(c.server, NOTIFY.GENERIC, 'del', key, db.id);
  c.arrayLen(2);
  c.bulk(key);
  c.bulk(v);
  c.server.dirty++;
  c.server.propagate(db.id, [[head ? 'LPOP' : 'RPOP', key]]);
  return true;
}

function serveBlpop(c: Client, key: string): boolean {
  return servePop(c, c.db, key, true);
}

function serveBrpop(c: Client, key: string): boolean {
  return servePop(c, c.db, key, false);
}

function blockingPop(c: Client, argv: string[], head: boolean): void {
  const deadline = parseTimeout(c, argv[argv.length - 1]);
  if (deadline === null) return;
  const last = argv.length - 1;
  for (let j = 1; j < last; j++) {
    const key = argv[j];
    const list = lookupTyped(c, key, 'list');
    if (list === null) return;
    if (list === undefined) continue;
    const v = popOne(c.db, key, list, head);
    notify(c.server, NOTIFY.LIST, head ? 'lpop' : 'rpop', key, c.db.id);
    if (list.size === 0) notify(c.server, NOTIFY.GENERIC, 'del', key, c.db.id);
    c.arrayLen(2);
    c.bulk(key);
    c.bulk(v);
    c.server.dirty++;
    c.propagateAs = [[head ? 'LPOP' : 'RPOP', key]];
    return;
  }
  if (!mayBlock(c)) {
    c.nullArray();
    return;
  }
  blockClient(c, {
    db: c.db,
    keys: argv.slice(1, last),
    timeoutMs: deadline,
    tryServe: head ? serveBlpop : serveBrpop,
    onTimeout: nullArrayTimeout,
  });
}

function blpopCommand(c: Client, argv: string[]): void {
  blockingPop(c, argv, true);
}

function brpopCommand(c: Client, argv: string[]): void {
  blockingPop(c, argv, false);
}

// ---- BLMOVE / BRPOPLPUSH ---------------------------------------------------------

function blockingMove(c: Client, src: string, dst: string, from: Where, to: Where, timeoutArg: string, asRpoplpush: boolean): void {
  const deadline = parseTimeout(c, timeoutArg);
  if (deadline === null) return;
  const list = lookupTyped(c, src, 'list');
  if (list === null) return;
  if (list !== undefined) {
    if (moveElement(c, c.db, src, list, dst, from, to)) {
      c.propagateAs = [asRpoplpush ? ['RPOPLPUSH', src, dst] : ['LMOVE', src, dst, from, to]];
    }
    return;
  }
  if (!mayBlock(c)) {
    c.nullBulk();
    return;
  }
  const db = c.db;
  blockClient(c, {
    db,
    keys: [src],
    timeoutMs: deadline,
    tryServe(bc: Client, key: string): boolean {
      const l = listAt(db, key);
      if (l === undefined) return false;
      // A destination of the wrong type answers WRONGTYPE and still unblocks (as Redis 7.0).
      if (moveElement(bc, db, key, l, dst, from, to)) {
        bc.server.propagate(db.id, [asRpoplpush ? ['RPOPLPUSH', key, dst] : ['LMOVE', key, dst, from, to]]);
      }
      return true;
    },
    onTimeout: nullArrayTimeout,
  });
}

function blmoveCommand(c: Client, argv: string[]): void {
  const from = parseWhere(c, argv[3]);
  if (from === null) return;
  const to = parseWhere(c, argv[4]);
  if (to === null) return;
  blockingMove(c, argv[1], argv[2], from, to, argv[5], false);
}

function brpoplpushCommand(c: Client, argv: string[]): void {
  blockingMove(c, argv[1], argv[2], 'RIGHT', 'LEFT', argv[3], true);
}

// ---- BLMPOP ----------------------------------------------------------------------

function blmpopCommand(c: Client, argv: string[]): void {
  const deadline = parseTimeout(c, argv[1]);
  if (deadline === null) return;
  const args = parseMpopArgs(c, argv, 2, 'left', 'right');
  if (args === null) return;
  const where: Where = args.first ? 'LEFT' : 'RIGHT';
  const count = args.count;
  for (const key of args.keys) {
    const list = lookupTyped(c, key, 'list');
    if (list === null) return;
    if (list === undefined) continue;
    c.propagateAs = [popRangeWithKey(c, c.db, key, list, where, count)];
    return;
  }
  if (!mayBlock(c)) {
    c.nullArray();
    return;
  }
  const db = c.db;
  blockClient(c, {
    db,
    keys: args.keys,
    timeoutMs: deadline,
    tryServe(bc: Client, key: string): boolean {
      const l = listAt(db, key);
      if (l === undefined) return false;
      bc.server.propagate(db.id, [popRangeWithKey(bc, db, key, l, where, count)]);
      return true;
    },
    onTimeout: nullArrayTimeout,
  });
}

// ---- CLIENT UNBLOCK ----------------------------------------------------------------

function clientUnblockCommand(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    c.error(E.clientSubcommandSyntax(argv[1]));
    return;
  }
  let withError = false;
  if (argv.length === 4) {
    const mode = argv[3].toUpperCase();
    if (mode === 'ERROR') withError = true;
    else if (mode !== 'TIMEOUT') {
      c.error(E.UNBLOCK_REASON);
      return;
    }
  }
  const id = parseInt64(argv[2]);
  if (id === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  c.integer(unblockClientById(c.server, id, withError) ? 1 : 0);
}

export const commands: Record<string, Handler> = {
  blpop: blpopCommand,
  brpop: brpopCommand,
  blmove: blmoveCommand,
  brpoplpush: brpoplpushCommand,
  blmpop: blmpopCommand,
  'client|unblock': clientUnblockCommand,
};
