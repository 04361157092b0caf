/**
 * Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET.
 * (CLIENT lives in ./client.ts.)
 */
import * as E from '../errors';
import { REPLY_OFF, REPLY_SKIP_NEXT, type Client } from '../server/client';
import { REDIS_VERSION } from '../server/server';
import { parseInt64 } from '../util/numbers';
import type { Handler } from './table';

function pingCommand(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    c.error(E.wrongArity('ping'));
    return;
  }
  // In RESP2 a subscribed client gets a pub/sub-style reply (see pubsub).
  if (c.resp === 2 && c.state.subscribed) {
    c.arrayLen(2);
    c.bulk('pong');
    c.bulk(argv.length === 2 ? argv[1] : '');
    return;
  }
  if (argv.length === 2) c.bulk(argv[1]);
  else c.simple('PONG');
}

function echoCommand(c: Client, argv: string[]): void {
  c.bulk(argv[1]);
}

function quitCommand(c: Client): void {
  c.ok();
  c.closeAfterReply = true;
}

function selectCommand(c: Client, argv: string[]): void {
  const id = parseInt64(argv[1]);
  // getIntFromObjectOrReply: not a 64-bit integer, or one beyond an int.
  if (id === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (id < -2147483648 || id > 2147483647) {
    c.error(E.valueOutOfRange(-2147483648, 2147483647));
    return;
  }
  const db = c.server.dbs[id];
  if (!db) {
    c.error(E.DB_INDEX_OUT_OF_RANGE);
    return;
  }
  c.db = db;
  c.ok();
}

/** Checks a username/password pair against the default user; replies on failure. */
export function checkAuth(c: Client, user: string, pass: string): boolean {
  if (user === 'default' && c.server.config.defaultUser.check(pass)) {
    c.authenticated = true;
    return true;
  }
  c.server.log.verbose(`Authentication failed for client id=${c.id} addr=${c.addr}`);
  c.error(E.WRONGPASS);
  return false;
}

function authCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error(E.SYNTAX);
    return;
  }
  if (argv.length === 2) {
    if (c.server.config.defaultUser.nopass) {
      c.error(E.AUTH_NOT_CONFIGURED);
      return;
    }
    if (checkAuth(c, 'default', argv[1])) c.ok();
    return;
  }
  if (checkAuth(c, argv[1], argv[2])) c.ok();
}

/** CLIENT SETNAME / HELLO SETNAME rule: no spaces, newlines or non-printable characters. */
export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

function helloCommand(c: Client, argv: string[]): void {
  let ver = 0;
  let next = 1;
  if (argv.length >= 2) {
    const v = parseInt64(argv[1]);
    if (v === null) {
      c.error('ERR Protocol version is not an integer or out of range');
      return;
    }
    next = 2;
    if (v < 2 || v > 3) {
      c.error(E.PROTOCOL_VERSION);
      return;
    }
    ver = v;
  }
  for (let j = next; j < argv.length; j++) {
    const more = argv.length - j - 1;
    const opt = argv[j].toLowerCase();
    if (opt === 'auth' && more >= 2) {
      if (!checkAuth(c, argv[j + 1], argv[j + 2])) return;
      j += 2;
    } else if (opt === 'setname' && more >= 1) {
      const setName = argv[j + 1];
      if (!validClientName(setName)) {
        c.error(E.CLIENT_NAME_SPACES);
        return;
      }
      // Redis 7.0 sets the name at once: a later bad option still leaves it set.
      c.name = setName;
      j += 1;
    } else {
      c.error(`ERR Syntax error in HELLO option '${argv[j]}'`);
      return;
    }
  }
  // Redis checks the client's own flag here, not authRequired(): a client that never
  // authenticated gets NOAUTH from HELLO even while the default user has no password.
  if (!c.authenticated) {
    c.error(E.HELLO_NOAUTH);
    return;
  }
  if (ver) c.resp = ver as 2 | 3;
  c.mapLen(7);
  c.bulk('server');
  c.bulk('redis');
  c.bulk('version');
  c.bulk(REDIS_VERSION);
  c.bulk('proto');
  c.integer(c.resp);
  c.bulk('id');
  c.integer(c.id);
  c.bulk('mode');
  c.bulk('standalone');
  c.bulk('role');
  c.bulk('master');
  c.bulk('modules');
  c.arrayLen(0);
}

/** Hooks other layers add to RESET (discard MULTI, unsubscribe, tracking off...). */
export const resetHooks: ((c: Client) => void)[] = [];

function resetCommand(c: Client): void {
  for (const h of resetHooks) h(c);
  c.db = c.server.dbs[0];
  c.resp = 2;
  c.name = '';
  // clearClientConnectionState clears CLIENT_REPLY_OFF and _SKIP_NEXT but not
  // CLIENT_REPLY_SKIP: a RESET that is itself skipped answers nothing, under
  // OFF too (MULTI; CLIENT REPLY SKIP; CLIENT REPLY OFF; EXEC; RESET).
  c.replyFlags &= ~(REPLY_OFF | REPLY_SKIP_NEXT);
  c.authenticated = c.server.config.defaultUser.nopass;
  c.simple('RESET');
}

export const commands: Record<string, Handler> = {
  ping: pingCommand,
  echo: echoCommand,
  quit: quitCommand,
  select: selectCommand,
  auth: authCommand,
  hello: helloCommand,
  reset: resetCommand,
};
