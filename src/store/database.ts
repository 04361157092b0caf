/**
 * One logical database (SELECT 0..15): the keyspace and its expiry times.
 *
 * Keys and string values are latin1 strings (one char per byte, binary-safe).
 * A collection value is an object whose `type` names it (see ./types.ts).
 *
 * The narrow path (invariant "one-write-path"): every change to a key goes
 * through set(), delete(), or willModify() followed by an in-place mutation.
 * Each of them calls hooks.keyWillChange(db, key) *before* the change, so a
 * fork-less snapshot can save the old value first, and hooks.keyChanged so
 * WATCH and client tracking learn about it. Nothing else writes `data`.
 *
 * Expiry is lazy on every access (an expired key is deleted and invisible at
 * once) and active (activeExpireCycle samples keys with a TTL).
 */
import { IndexedMap } from './indexed';
import { numberChunks } from './chunks';
import type { Value } from './types';

export interface KeyspaceHooks {
  /** Called before key changes in any way (set, delete, in-place mutation, expiry). */
  keyWillChange(db: Database, key: string): void;
  /** Called when a key was changed (WATCH, tracking). */
  keyChanged(db: Database, key: string): void;
  /** Called when an expired key was removed (keyspace event `expired`, AOF DEL). */
  keyExpired(db: Database, key: string): void;
  /** Called when a key that did not exist was added (keyspace event `new`). */
  keyAdded(db: Database, key: string): void;
}

const NO_HOOKS: KeyspaceHooks = {
  keyWillChange() {},
  keyChanged() {},
  keyExpired() {},
  keyAdded() {},
};

export class Database {
  data = new IndexedMap<Value>();
  /** Absolute expiry time in ms for keys that have one. */
  expires = new IndexedMap<number>(numberChunks);
  hooks: KeyspaceHooks = NO_HOOKS;
  /** Counters for INFO keyspace / stats. */
  expiredKeys = 0;
  /** Per-database average TTL estimate, as INFO keyspace shows it. */
  avgTtl = 0;
  /**
   * OBJECT ENCODING of the string values whose encoding in Redis comes from
   * their history, not their content: key -> 'raw' or 'embstr' (see
   * commands/strings-common.ts). The commands that build a string in place
   * add an entry after their set(); set(), delete and expiry drop it, so a
   * key's entry never outlives its value. Metadata only: RDB does not keep it.
   */
  encodings = new Map<string, string>();

  constructor(public readonly id: number) {}

  get size(): number {
    return this.data.size;
  }

  /**
   * True while the AOF is replayed at startup: nothing expires then (Redis's
   * keyIsExpired and checkAlreadyExpired during server.loading), so a command
   * logged before a key's TTL passed replays as it ran; the key expires later.
   */
  static loading = false;

  /**
   * Where get() counts hits and misses (INFO keyspace_hits/misses), or null
   * when lookups are not counted. The dispatcher points it at the server's
   * stats while a command whose lookups Redis counts runs (lookupKeyRead, see
   * Command.countsLookups) and clears it after, so writes, blocking wakeups,
   * expiry and persistence never count.
   */
  static lookupStats: { keyspaceHits: number; keyspaceMisses: number } | null = null;

  /** Now, in ms: the time against which TTLs are checked. */
  static now(): number {
    return Date.now();
  }

  /** True if key has an expiry time that has passed; deletes it if so. */
  private expireIfNeeded(key: string): boolean {
    const when = this.expires.get(key);
    if (when === undefined || when > Date.now() || Database.loading) return false;
    this.hooks.keyWillChange(this, key);
    this.data.delete(key);
    this.expires.delete(key);
    if (this.encodings.size !== 0) this.encodings.delete(key);
    this.expiredKeys++;
    this.hooks.keyExpired(this, key);
    this.hooks.keyChanged(this, key);
    return true;
  }

  /** The value at key, or undefined if it does not exist (or just expired). */
  get(key: string): Value | undefined {
    const v = this.live(key);
    const st = Database.lookupStats;
    if (st !== null) {
      if (v === undefined) st.keyspaceMisses++;
      else st.keyspaceHits++;
    }
    return v;
  }

  /**
   * get() that never counts a hit or miss: lookupKeyWrite, for a command
   * that reads some keys with lookupKeyRead and others (its destination)
   * with lookupKeyWrite.
   */
  getForWrite(key: string): Value | undefined {
    return this.live(key);
  }

  /** get() without counting a hit or miss (Redis's expireIfNeeded + dictFind). */
  private live(key: string): Value | undefined {
    const v = this.data.get(key);
    if (v === undefined) return undefined;
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    return v;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Sets key to value. The TTL is removed unless keepTtl. */
  set(key: string, value: Value, keepTtl = false): void {
    this.hooks.keyWillChange(this, key);
    if (this.data.set(key, value)) this.hooks.keyAdded(this, key);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    if (this.encodings.size !== 0) this.encodings.delete(key);
    this.hooks.keyChanged(this, key);
  }

  /** Deletes key; returns whether it existed (expired keys do not count). */
  delete(key: string): boolean {
    if (this.live(key) === undefined) return false;
    this.hooks.keyWillChange(this, key);
    this.data.delete(key);
    this.expires.delete(key);
    if (this.encodings.size !== 0) this.encodings.delete(key);
    this.hooks.keyChanged(this, key);
    return true;
  }

  /**
   * Announces an in-place mutation of the value at key (which must exist):
   * call it after the checks that may still refuse the command, right before
   * changing the value.
   */
  willModify(key: string): void {
    this.hooks.keyWillChange(this, key);
    this.hooks.keyChanged(this, key);
  }

  /** Absolute expiry in ms, or -1 when the key has none. Call after get(). */
  getExpire(key: string): number {
    const when = this.expires.get(key);
    return when === undefined ? -1 : when;
  }

  /** Sets the absolute expiry (ms) of an existing key. */
  setExpire(key: string, when: number): void {
    this.hooks.keyWillChange(this, key);
    this.expires.set(key, when);
    this.hooks.keyChanged(this, key);
  }

  /** Removes the TTL of key; returns whether it had one. */
  removeExpire(key: string): boolean {
    if (!this.expires.has(key)) return false;
    this.hooks.keyWillChange(this, key);
    this.expires.delete(key);
    this.hooks.keyChanged(this, key);
    return true;
  }

  /** Removes every key; returns how many there were. */
  flush(): number {
    const n = this.data.size;
    for (const key of this.data.keys()) {
      this.hooks.keyWillChange(this, key);
      this.hooks.keyChanged(this, key);
    }
    this.data = new IndexedMap();
    this.expires = new IndexedMap(numberChunks);
    this.encodings = new Map();
    this.avgTtl = 0;
    return n;
  }

  /** A random key that is not expired, or undefined. Like Redis, gives up on expired keys after a while. */
  randomKey(): string | undefined {
    for (let tries = 0; tries < 100; tries++) {
      const key = this.data.randomKey();
      if (key === undefined) return undefined;
      if (this.live(key) !== undefined) return key;
    }
    return this.data.randomKey();
  }

  /**
   * One pass of the active expiry for this database: samples up to `samples`
   * keys with a TTL and deletes the expired ones. Returns [sampled, expired].
   */
  expireSample(samples: number, now: number): [number, number] {
    const n = this.expires.size;
    if (n === 0) return [0, 0];
    let expired = 0;
    let ttlSum = 0;
    let ttlCount = 0;
    const count = Math.min(samples, n);
    for (let i = 0; i < count; i++) {
      const size = this.expires.size;
      if (size === 0) break;
      const slot = Math.floor(Math.random() * size);
      const key = this.expires.keyAt(slot);
      const when = this.expires.valAt(slot);
      if (when <= now) {
        this.expireIfNeeded(key);
        expired++;
      } else {
        ttlSum += when - now;
        ttlCount++;
      }
    }
    if (ttlCount > 0) {
      const avg = ttlSum / ttlCount;
      this.avgTtl = this.avgTtl === 0 ? avg : (this.avgTtl / 50) * 49 + avg / 50;
    }
    return [count, expired];
  }

  /** Swaps contents with another database (SWAPDB). */
  swapWith(other: Database): void {
    [this.data, other.data] = [other.data, this.data];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.encodings, other.encodings] = [other.encodings, this.encodings];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
  }
}
