/**
 * Pub/Sub registry (pubsub.c): channel -> subscribers, pattern ->
 * subscribers, shard channel -> subscribers, and message delivery.
 *
 * A message is appended to each receiver's reply buffer as a push frame
 * (`>` in RESP3, an array in RESP2) and the receiver is queued for a write at
 * the end of the publisher's turn (server.scheduleFlush), so many messages in
 * one pipeline still cost one socket write per receiver. It is sent even
 * while the receiver's CLIENT REPLY is OFF or SKIP (Client.pushed), as are
 * (un)subscribe confirmations.
 *
 * Per-client state: c.state.subscribed is true while the client has any
 * channel, pattern or shard channel (RESP2 then limits the commands it may
 * run, see the dispatcher guard below).
 *
 *   subscribe(c, 'news'); publish(server, 'news', 'hi') // -> 1 receiver
 */
import { globMatch } from '../util/glob';
import type { Client } from './client';
import type { Server } from './server';

export type Kind = 'channel' | 'pattern' | 'shard';

export interface PubSubState {
  channels: Set<string>;
  patterns: Set<string>;
  shards: Set<string>;
}

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shards = new Map<string, Set<Client>>();

  constructor(private readonly server: Server) {}

  static state(c: Client): PubSubState {
    let s = c.state.pubsub as PubSubState | undefined;
    if (!s) {
      s = { channels: new Set(), patterns: new Set(), shards: new Set() };
      c.state.pubsub = s;
    }
    return s;
  }

  private registry(kind: Kind): Map<string, Set<Client>> {
    return kind === 'channel' ? this.channels : kind === 'pattern' ? this.patterns : this.shards;
  }

  private own(s: PubSubState, kind: Kind): Set<string> {
    return kind === 'channel' ? s.channels : kind === 'pattern' ? s.patterns : s.shards;
  }

  /** The count Redis reports after (un)subscribing: channels + patterns, or shard channels. */
  static count(c: Client, kind: Kind): number {
    const s = PubSub.state(c);
    return kind === 'shard' ? s.shards.size : s.channels.size + s.patterns.size;
  }

  /** Adds a subscription; returns false if c already had it. */
  add(c: Client, kind: Kind, name: string): boolean {
    const s = PubSub.state(c);
    const own = this.own(s, kind);
    if (own.has(name)) return false;
    own.add(name);
    const reg = this.registry(kind);
    let set = reg.get(name);
    if (!set) {
      set = new Set();
      reg.set(name, set);
    }
    set.add(c);
    c.state.subscribed = true;
    return true;
  }

  /** Removes a subscription; returns false if c did not have it. */
  remove(c: Client, kind: Kind, name: string): boolean {
    const s = PubSub.state(c);
    const own = this.own(s, kind);
    if (!own.delete(name)) return false;
    const reg = this.registry(kind);
    const set = reg.get(name);
    if (set) {
      set.delete(c);
      if (set.size === 0) reg.delete(name);
    }
    c.state.subscribed = s.channels.size + s.patterns.size + s.shards.size > 0;
    return true;
  }

  /** Names c is subscribed to, of one kind. */
  names(c: Client, kind: Kind): string[] {
    return [...this.own(PubSub.state(c), kind)];
  }

  /** Drops every subscription of a client (disconnect, RESET). */
  removeAll(c: Client): void {
    const s = c.state.pubsub as PubSubState | undefined;
    if (!s) return;
    for (const kind of ['channel', 'pattern', 'shard'] as const) {
      for (const name of [...this.own(s, kind)]) this.remove(c, kind, name);
    }
  }

  /** Delivers a message; returns the number of receivers (PUBLISH's reply). */
  publish(channel: string, message: string, kind: 'channel' | 'shard' = 'channel'): number {
    let n = 0;
    const server = this.server;
    const direct = (kind === 'channel' ? this.channels : this.shards).get(channel);
    if (direct) {
      const type = kind === 'channel' ? 'message' : 'smessage';
      for (const c of direct) {
        const mark = c.out.length;
        c.pushLen(3);
        c.bulk(type);
        c.bulk(channel);
        c.bulk(message);
        c.pushed(mark);
        server.scheduleFlush(c);
        n++;
      }
    }
    if (kind === 'channel' && this.patterns.size > 0) {
      for (const [pattern, set] of this.patterns) {
        if (!globMatch(pattern, channel)) continue;
        for (const c of set) {
          const mark = c.out.length;
          c.pushLen(4);
          c.bulk('pmessage');
          c.bulk(pattern);
          c.bulk(channel);
          c.bulk(message);
          c.pushed(mark);
          server.scheduleFlush(c);
          n++;
        }
      }
    }
    return n;
  }
}

/** Commands a RESP2 client may run while subscribed. */
const ALLOWED_WHILE_SUBSCRIBED = new Set([
  'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit', 'reset',
]);

/** The dispatcher guard for RESP2 subscribed clients; null when the command may run. */
export function subscribedContextError(c: Client, name: string): string | null {
  if (c.resp !== 2 || !c.state.subscribed || ALLOWED_WHILE_SUBSCRIBED.has(name)) return null;
  return `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;
}
