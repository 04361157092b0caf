/**
 * String commands (t_string.c): GET, SET, ...
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import type { Handler } from './table';

function getCommand(c: Client, argv: string[]): void {
  const v = c.db.get(argv[1]);
  if (v === undefined) c.nullBulk();
  else if (typeof v !== 'string') c.error(E.WRONGTYPE);
  else c.bulk(v);
}

function setCommand(c: Client, argv: string[]): void {
  c.db.set(argv[1], argv[2]);
  c.server.dirty++;
  c.ok();
}

export const commands: Record<string, Handler> = {
  get: getCommand,
  set: setCommand,
};
