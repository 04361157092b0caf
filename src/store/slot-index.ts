/**
 * SlotIndex: an open-addressing hash index from a key to its slot in a dense
 * array its owner keeps (IndexedMap's and SetValue's keys through
 * ChunkedStringIndex, PairTable's entries). Buckets are ./buckets.ts's: the key's
 * 32-bit hash and its slot + 1 side by side in one Int32Array, so a probe
 * compares integers and asks the owner (holds()) only when the hashes match.
 *
 * Resizing is incremental ("moving"), as Redis's rehash: a resize allocates
 * the new table and keeps the old one; every later operation (hits and
 * misses alike, so a read-only load finishes the move too) moves the next
 * MOVE_STEP buckets of the old table into the new one, and a lookup that
 * misses in the new table looks in the old. The old table is never shifted
 * (its probe chains stay intact): a key deleted from it leaves a tombstone
 * (slot field TOMB). Invariant: a live entry of the old table at or above
 * `moved` is not in the new table (insertSlot looks in the old table before
 * it adds a key); below `moved`, entries are copies of new-table entries,
 * kept in step by moveKey(), repoint() and removeKey(). Rebuilding a table
 * at once stalled one insert for 45 ms at 1M keys and 157 ms at 4M
 * (IndexedMap.set in a loop), a big hash's for 54 ms at 1M fields and 89 ms
 * at 2M (PairTable.set in a loop).
 *
 *   class Ix extends SlotIndex<string> { holds(s: number, k: string) { return keys[s] === k; } }
 */
import { putBucket, rebuildBuckets, removeBucket } from './buckets';

const MIN_BUCKETS = 8;
/** Old-table buckets moved per operation while a resize is under way. */
const MOVE_STEP = 16;
/** The slot field of an old-table bucket whose key was deleted (probing continues past it). */
const TOMB = -1;
/** Tables up to this many buckets are rebuilt at once (cheaper than keeping two). */
const SYNC_RESIZE_BUCKETS = 1024;

export abstract class SlotIndex<K> {
  /** Bucket b: table[2b] the hash, table[2b + 1] the slot + 1 (0: empty). */
  protected table = new Int32Array(2 * MIN_BUCKETS);
  protected mask = MIN_BUCKETS - 1;
  protected count = 0;
  /** The table being moved out of by a resize ("moving"), else null. */
  protected old: Int32Array | null = null;
  protected oldMask = 0;
  /** Buckets of `old` below this were moved. */
  protected moved = 0;

  /** True when the owner's entry at slot is key (asked only when the stored hash matches). */
  protected abstract holds(slot: number, key: K): boolean;

  get size(): number {
    return this.count;
  }

  /** The slot of key (hash h), or -1. */
  protected findSlot(key: K, h: number): number {
    if (this.old !== null) this.moveSome();
    const b = this.probe(this.table, this.mask, key, h);
    if (b >= 0) return this.table[2 * b + 1] - 1;
    if (this.old === null) return -1;
    const ob = this.probe(this.old, this.oldMask, key, h);
    return ob < 0 ? -1 : this.old[2 * ob + 1] - 1;
  }

  /** Adds key (hash h) at slot unless it is present: the slot it has (nothing changes), or -1 when added. */
  protected insertSlot(key: K, h: number, slot: number): number {
    if (this.old !== null) this.moveSome();
    const b = this.probe(this.table, this.mask, key, h);
    if (b >= 0) return this.table[2 * b + 1] - 1;
    if (this.old !== null) {
      const ob = this.probe(this.old, this.oldMask, key, h);
      if (ob >= 0) return this.old[2 * ob + 1] - 1;
    }
    if (2 * (this.count + 1) > this.mask + 1) this.resize(2 * (this.mask + 1));
    putBucket(this.table, this.mask, h, slot);
    this.count++;
    return -1;
  }

  /** Points key (hash h), which must be present, at another slot, in both tables. */
  protected moveKey(key: K, h: number, slot: number): void {
    if (this.old !== null) this.moveSome();
    const b = this.probe(this.table, this.mask, key, h);
    if (b >= 0) this.table[2 * b + 1] = slot + 1;
    // A copy in the old table (moved or not) keeps the same slot.
    const ob = this.old === null ? -1 : this.probe(this.old, this.oldMask, key, h);
    if (ob >= 0) this.old![2 * ob + 1] = slot + 1;
    if (b < 0 && ob < 0) throw new Error('SlotIndex: key not present');
  }

  /**
   * Points the entry of hash h at slot `from` to slot `to`, in both tables,
   * found by its slot rather than its key (an owner that cannot cheaply
   * rebuild the key).
   */
  protected repoint(h: number, from: number, to: number): void {
    if (this.old !== null) this.moveSome();
    const inNew = repointIn(this.table, this.mask, h, from, to);
    const inOld = this.old !== null && repointIn(this.old, this.oldMask, h, from, to);
    // Not found would leave a bucket pointing at a slot the owner is about to drop.
    if (!inNew && !inOld) throw new Error('SlotIndex: slot not present');
  }

  /** Removes key (hash h); returns the slot it had, or -1 when absent. */
  protected removeKey(key: K, h: number): number {
    if (this.old !== null) this.moveSome();
    const b = this.probe(this.table, this.mask, key, h);
    let slot = -1;
    if (b >= 0) {
      slot = this.table[2 * b + 1] - 1;
      removeBucket(this.table, this.mask, b);
    }
    if (this.old !== null) {
      const ob = this.probe(this.old, this.oldMask, key, h);
      if (ob >= 0) {
        slot = this.old[2 * ob + 1] - 1;
        this.old[2 * ob + 1] = TOMB;
      }
    }
    if (slot < 0) return -1;
    this.count--;
    const buckets = this.mask + 1;
    if (buckets > MIN_BUCKETS && 8 * this.count < buckets) this.resize(buckets / 2);
    return slot;
  }

  /** Makes this index a copy of `from`'s buckets (a clone; `from`'s move under way is finished first). */
  protected copyBuckets(from: SlotIndex<K>): void {
    from.finishMove();
    this.table = from.table.slice();
    this.mask = from.mask;
    this.count = from.count;
  }

  /** The bucket of t holding key (hash h), or -1; tombstones (old table) are passed over. */
  private probe(t: Int32Array, mask: number, key: K, h: number): number {
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const s = t[2 * b + 1];
      if (s === 0) return -1;
      if (s > 0 && t[2 * b] === h && this.holds(s - 1, key)) return b;
    }
  }

  /**
   * Starts a resize to `buckets` buckets (a power of two): a new empty table,
   * filled from the old one by moveSome(). Small tables are rebuilt at once.
   */
  private resize(buckets: number): void {
    this.finishMove();
    if (this.mask + 1 <= SYNC_RESIZE_BUCKETS) {
      this.table = rebuildBuckets(this.table, buckets);
      this.mask = buckets - 1;
      return;
    }
    this.old = this.table;
    this.oldMask = this.mask;
    this.moved = 0;
    this.table = new Int32Array(2 * buckets);
    this.mask = buckets - 1;
  }

  /** Moves the next MOVE_STEP buckets of the old table into the new one. */
  private moveSome(): void {
    const old = this.old!;
    const end = this.oldMask + 1;
    let b = this.moved;
    const stop = Math.min(end, b + MOVE_STEP);
    for (; b < stop; b++) {
      const s = old[2 * b + 1];
      if (s > 0) putBucket(this.table, this.mask, old[2 * b], s - 1);
    }
    this.moved = b;
    if (b === end) this.old = null;
  }

  /** Completes a resize under way (before another one, or a copy). */
  private finishMove(): void {
    while (this.old !== null) this.moveSome();
  }
}

/** Points the bucket of t holding slot `from` (hash h), if any, at slot `to`; false when there is none. */
function repointIn(t: Int32Array, mask: number, h: number, from: number, to: number): boolean {
  for (let b = h & mask; ; b = (b + 1) & mask) {
    const s = t[2 * b + 1];
    if (s === 0) return false;
    if (s === from + 1 && t[2 * b] === h) {
      t[2 * b + 1] = to + 1;
      return true;
    }
  }
}
