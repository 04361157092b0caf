/**
 * PairTable: the 'hashtable' encoding of a big hash. Each field and its
 * value live in ONE flat latin1 string, field + value, kept in a dense
 * array in slot order beside the field lengths (an Int32Array: no length
 * header to build and parse per entry; HSET -P 16 CPU 1.83 -> 1.73 us per
 * request, bench/run.js --tests hset --base, same run); an
 * open-addressing index of Int32 buckets finds a field's slot.
 *
 * Why not IndexedMap<string> (a field string, a value string, a key array, a
 * value array, an index): every V8 string costs a 16-byte header plus
 * padding, every array slot 8 bytes and up to half as much again in growth
 * slack. One string and one array slot per entry halve that overhead: for
 * one hash of 1M fields field:N -> value:N (bench/memory.js --cases hash),
 * ~100 -> ~75 heap bytes per field (Redis: 72.5 used).
 *
 * Index: a SlotIndex (./slot-index.ts: the field's hash and slot + 1 per
 * bucket, resized incrementally), so a probe compares integers and reads an
 * entry only when the hashes match.
 *
 * Updates: a new value for an existing field goes into `vals[slot]` (an
 * array made at the first update), leaving entries[slot] (the field and its
 * first value, now stale) where it is. Rebuilding field + value per update
 * moved every updated field to a new string: the strings a lookup must read
 * to compare the field ended up scattered over the old generation, and that
 * read (a cache and TLB miss) dominated HSET. 100k fields updated at random:
 * 475 -> 310 ns per set; HSET through parser and dispatcher (node
 * bench/inproc.js hset) 669 -> 548 ns per command. Never-updated hashes (the
 * memory target) keep one string per field; an updated field costs one more
 * string and array slot, as Redis's separate field and value sds do.
 *
 * Slots behave as IndexedMap's: a delete moves the last entry into the freed
 * slot, so scan() keeps the "scan-downward" guarantee (see ./indexed.ts) and
 * a uniformly random entry is one slot pick.
 *
 *   const t = new PairTable();
 *   t.set('f', 'v');   // true: new
 *   t.get('f');        // 'v'
 *   t.fieldAt(0);      // 'f'
 */
import { hashRange } from './buckets';
import { CHUNK_BITS, CHUNK_MASK, chunkPop, chunkPush, newChunks, valueChunks } from './chunks';
import { flat } from './packed-entry';
import { SlotIndex } from './slot-index';

/** The index of a PairTable's fields (slots of its entries). */
class FieldIndex extends SlotIndex<string> {
  constructor(private readonly owner: PairTable) {
    super();
  }

  protected holds(slot: number, field: string): boolean {
    return this.owner.entryIs(slot, field);
  }

  /** A copy of this index for `owner`, a copy of this index's table. */
  cloneFor(owner: PairTable): FieldIndex {
    const c = new FieldIndex(owner);
    c.copyBuckets(this);
    return c;
  }

  find(field: string, h: number): number {
    return this.findSlot(field, h);
  }

  insert(field: string, h: number, slot: number): number {
    return this.insertSlot(field, h, slot);
  }

  remove(field: string, h: number): number {
    return this.removeKey(field, h);
  }

  /** The entry of hash h moved from slot `from` to `to`. */
  relocated(h: number, from: number, to: number): void {
    this.repoint(h, from, to);
  }
}

export class PairTable {
  /**
   * Slot order: field + value (the value as first set), in chunks
   * (./chunks.ts): a big hash's arrays grow without copying themselves, which
   * stalled one HSET for 14 ms at 1.96M fields and 20 ms at 2.93M
   * (PairTable.set in a loop; with chunks only V8's collections remain over
   * 8 ms). Cost: HSET -P 16 ~0.03 us of CPU per request (bench/run.js --base).
   */
  private entries = newChunks(valueChunks) as string[][];
  private count = 0;
  /**
   * Slot order: the value set by an update, overriding the one in entries;
   * undefined where none was. null until the first update, then exactly as
   * long as entries (chunked the same way).
   */
  private vals: (string | undefined)[][] | null = null;
  /** The field's length in entries[slot]. */
  private flen = new Int32Array(8);
  private index = new FieldIndex(this);

  get size(): number {
    return this.count;
  }

  private entryAt(slot: number): string {
    return this.entries[slot >>> CHUNK_BITS][slot & CHUNK_MASK];
  }

  /** True when the entry at slot is field's (for the index). */
  entryIs(slot: number, field: string): boolean {
    return this.flen[slot] === field.length && this.entryAt(slot).startsWith(field);
  }

  /** The slot of field, or -1. */
  slotOf(field: string): number {
    return this.index.find(field, hashRange(field, 0, field.length));
  }

  has(field: string): boolean {
    return this.slotOf(field) >= 0;
  }

  get(field: string): string | undefined {
    const i = this.slotOf(field);
    return i < 0 ? undefined : this.valueAt(i);
  }

  /** Sets field to value; returns true when the field is new. */
  set(field: string, value: string): boolean {
    const n = this.count;
    const had = this.index.insert(field, hashRange(field, 0, field.length), n);
    if (had >= 0) {
      (this.vals ?? this.makeVals())[had >>> CHUNK_BITS][had & CHUNK_MASK] = value;
      return false;
    }
    const entry = value.length === 0 ? field : flat(field + value);
    if (n === this.flen.length) {
      const grown = new Int32Array(2 * n);
      grown.set(this.flen);
      this.flen = grown;
    }
    this.flen[n] = field.length;
    chunkPush(this.entries, n, entry, valueChunks);
    if (this.vals !== null) chunkPush(this.vals, n, undefined, valueChunks);
    this.count = n + 1;
    return true;
  }

  private makeVals(): (string | undefined)[][] {
    const vals = newChunks(valueChunks) as (string | undefined)[][];
    for (let i = 0; i < this.count; i++) chunkPush(vals, i, undefined, valueChunks);
    this.vals = vals;
    return vals;
  }

  /** Removes field; returns whether it was there. */
  delete(field: string): boolean {
    const slot = this.index.remove(field, hashRange(field, 0, field.length));
    if (slot < 0) return false;
    const n = this.count;
    const last = n - 1;
    if (slot !== last) {
      // The last entry moves into the freed slot: re-point its bucket (found by slot: no field string to build).
      const e = this.entryAt(last);
      this.index.relocated(hashRange(e, 0, this.flen[last]), last, slot);
      this.entries[slot >>> CHUNK_BITS][slot & CHUNK_MASK] = e;
      this.flen[slot] = this.flen[last];
      const vals = this.vals;
      if (vals !== null) vals[slot >>> CHUNK_BITS][slot & CHUNK_MASK] = vals[last >>> CHUNK_BITS][last & CHUNK_MASK];
    }
    chunkPop(this.entries, n);
    if (this.vals !== null) chunkPop(this.vals, n);
    this.count = last;
    return true;
  }

  /** The field at a slot (0 <= slot < size). */
  fieldAt(slot: number): string {
    return this.entryAt(slot).slice(0, this.flen[slot]);
  }

  /** The value at a slot (0 <= slot < size). */
  valueAt(slot: number): string {
    const v = this.vals === null ? undefined : this.vals[slot >>> CHUNK_BITS][slot & CHUNK_MASK];
    return v !== undefined ? v : this.entryAt(slot).slice(this.flen[slot]);
  }

  /**
   * Visits about `count` slots going downward from the cursor and returns the
   * next cursor (0 when done), as IndexedMap.scan.
   */
  scan(cursor: number, count: number, visit: (field: string, value: string) => void): number {
    let slot = cursor === 0 ? this.count - 1 : Math.min(cursor - 1, this.count - 1);
    for (let n = 0; slot >= 0 && n < count; n++, slot--) visit(this.fieldAt(slot), this.valueAt(slot));
    return slot < 0 ? 0 : slot + 1;
  }

  /** A copy sharing the (immutable) entry strings. */
  clone(): PairTable {
    const c = new PairTable();
    c.entries = this.entries.map((chunk) => chunk.slice());
    c.count = this.count;
    c.flen = this.flen.slice();
    c.vals = this.vals === null ? null : this.vals.map((chunk) => chunk.slice());
    c.index = this.index.cloneFor(c);
    return c;
  }
}
