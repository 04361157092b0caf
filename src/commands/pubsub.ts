/**
 * Pub/Sub commands (pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE,
 * PUNSUBSCRIBE, PUBLISH, SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH and PUBSUB
 * CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB.
 * The registry and delivery are in src/server/pubsub.ts.
 */
import type { Client } from '../server/client';
import { PubSub, type Kind } from '../server/pubsub';
import { globMatch } from '../util/glob';
import type { Handler } from './table';
import { resetHooks } from './connection';

const NAMES: Record<Kind, [string, string]> = {
  channel: ['subscribe', 'unsubscribe'],
  pattern: ['psubscribe', 'punsubscribe'],
  shard: ['ssubscribe', 'sunsubscribe'],
};

/** addReplyPubsub(Pat)(Un)Subscribed: a push, sent under CLIENT REPLY OFF/SKIP too (Client.pushed). */
function confirm(c: Client, type: string, name: string | null, kind: Kind): void {
  const mark = c.out.length;
  c.pushLen(3);
  c.bulk(type);
  c.bulkOrNull(name);
  c.integer(PubSub.count(c, kind));
  c.pushed(mark);
}

function subscribeTo(kind: Kind): Handler {
  return (c, argv) => {
    const ps = c.server.pubsub;
    for (let i = 1; i < argv.length; i++) {
      ps.add(c, kind, argv[i]);
      confirm(c, NAMES[kind][0], argv[i], kind);
    }
  };
}

function unsubscribeFrom(kind: Kind): Handler {
  return (c, argv) => {
    const ps = c.server.pubsub;
    const names = argv.length > 1 ? argv.slice(1) : ps.names(c, kind);
    if (names.length === 0) {
      confirm(c, NAMES[kind][1], null, kind);
      return;
    }
    for (const name of names) {
      ps.remove(c, kind, name);
      confirm(c, NAMES[kind][1], name, kind);
    }
  };
}

function publishCommand(c: Client, argv: string[]): void {
  c.integer(c.server.pubsub.publish(argv[1], argv[2]));
}

function spublishCommand(c: Client, argv: string[]): void {
  c.integer(c.server.pubsub.publish(argv[1], argv[2], 'shard'));
}

function channelsMatching(reg: Map<string, Set<Client>>, pattern: string | undefined): string[] {
  const out: string[] = [];
  for (const name of reg.keys()) if (pattern === undefined || globMatch(pattern, name)) out.push(name);
  return out;
}

function numsub(c: Client, argv: string[], reg: Map<string, Set<Client>>): void {
  c.arrayLen((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    c.bulk(argv[i]);
    c.integer(reg.get(argv[i])?.size ?? 0);
  }
}

export const commands: Record<string, Handler> = {
  subscribe: subscribeTo('channel'),
  unsubscribe: unsubscribeFrom('channel'),
  psubscribe: subscribeTo('pattern'),
  punsubscribe: unsubscribeFrom('pattern'),
  ssubscribe: subscribeTo('shard'),
  sunsubscribe: unsubscribeFrom('shard'),
  publish: publishCommand,
  spublish: spublishCommand,
  'pubsub|channels': (c, argv) => c.bulkArray(channelsMatching(c.server.pubsub.channels, argv[2])),
  'pubsub|shardchannels': (c, argv) => c.bulkArray(channelsMatching(c.server.pubsub.shards, argv[2])),
  'pubsub|numsub': (c, argv) => numsub(c, argv, c.server.pubsub.channels),
  'pubsub|shardnumsub': (c, argv) => numsub(c, argv, c.server.pubsub.shards),
  'pubsub|numpat': (c) => c.integer(c.server.pubsub.patterns.size),
};

resetHooks.push((c) => c.server.pubsub.removeAll(c));
