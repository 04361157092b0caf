/**
 * The command families, one file each. The command table (./table.ts) is
 * built from the `commands` object every family exports.
 */
import type { Handler } from './table';
import { commands as connection } from './connection';
import { commands as client } from './client';
import { commands as server } from './server';
import { commands as persistence } from './persistence';
import { commands as debug } from './debug';
import { commands as scripting } from './scripting';
import { commands as config } from './config';
import { commands as introspection } from './introspection';
import { commands as keys } from './keys';
import { commands as expire } from './expire';
import { commands as strings } from './strings';
import { commands as bits } from './bits';
import { commands as hash } from './hash';
import { commands as list } from './list';
import { commands as set } from './set';
import { commands as zset } from './zset';
import { commands as sort } from './sort';
import { commands as transactions } from './transactions';
import { commands as pubsub } from './pubsub';
import { commands as aof } from './aof';
import { commands as dump } from './dump';

export const families: Record<string, Handler>[] = [
  connection,
  client,
  server,
  persistence,
  debug,
  scripting,
  config,
  introspection,
  keys,
  expire,
  strings,
  bits,
  hash,
  list,
  set,
  zset,
  sort,
  transactions,
  pubsub,
  aof,
  dump,
];
