/**
 * ChunkedStringIndex: an open-addressing hash index from a key string to its
 * slot in a dense key array kept in chunks (./chunks.ts: IndexedMap's keys,
 * SetValue's members). Each bucket holds the key's
 * 32-bit hash and its slot + 1, side by side in one Int32Array, so a probe
 * compares integers and reads the key string only when the hashes match.
 *
 * Why not Map<string, number>: every key a command looks up is a fresh string
 * built from the request bytes, and V8's Map is slow at finding a fresh
 * string in a big table: 1M lookups of fresh 16-byte keys in a 100k-entry
 * Map measured 1000-1500 ns each, against 320-440 ns for a JS-computed hash
 * in an integer-keyed table (/tmp micro-benchmark on this machine); inserting
 * 1M fresh keys took 830 ms of CPU in a Map and 370 ms in such a table (AOF
 * and RDB load). It is also smaller: 8 bytes a bucket at a load of at most
 * 1/2 (16-32 bytes a key) against a Map's ~28-56.
 *
 * The buckets, their probing, incremental resize ("moving") and the
 * invariants are ./slot-index.ts's, shared with PairTable; the hash is
 * ./buckets.ts's.
 *
 *   const keys = [['a']]; const ix = new ChunkedStringIndex(keys);
 *   ix.insert('a', 0); ix.find('a');   // 0
 */
import { hashString } from './buckets';
import { SlotIndex } from './slot-index';
import { CHUNK_BITS, CHUNK_MASK } from './chunks';

/** Over keys kept in chunks (./chunks.ts: IndexedMap's keys, SetValue's members). */
export class ChunkedStringIndex extends SlotIndex<string> {
  /** `chunks` holds the keys the slots point into (owned by the caller). */
  constructor(private readonly chunks: string[][]) {
    super();
  }

  protected holds(slot: number, key: string): boolean {
    return this.chunks[slot >>> CHUNK_BITS][slot & CHUNK_MASK] === key;
  }

  /** The slot of key, or -1. */
  find(key: string): number {
    return this.findSlot(key, hashString(key));
  }

  /**
   * Adds key at slot unless it is present: returns the slot it already has
   * (nothing changes), or -1 when it was added. One hash and one probe for a
   * lookup-then-insert.
   */
  insert(key: string, slot: number): number {
    return this.insertSlot(key, hashString(key), slot);
  }

  /** Points key, which must be present, at another slot (IndexedMap moves its last entry into a freed slot). */
  move(key: string, slot: number): void {
    this.moveKey(key, hashString(key), slot);
  }

  /** Removes key; returns the slot it had, or -1 when absent. */
  remove(key: string): number {
    return this.removeKey(key, hashString(key));
  }

  /** A copy indexing `chunks`, a copy of this index's chunks (same slots). */
  clone(chunks: string[][]): ChunkedStringIndex {
    const c = new ChunkedStringIndex(chunks);
    c.copyBuckets(this);
    return c;
  }
}
