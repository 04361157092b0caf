/**
 * HashValue: the value of a hash key (t_hash.c's low-level API).
 *
 * Two representations, mirroring Redis 7.0's two encodings:
 * - 'listpack': a flat array [f1, v1, f2, v2, ...] in insertion order. It is
 *   light (no Map per small hash) and gives HGETALL/HKEYS/HSCAN Redis's
 *   listpack order for free. Lookups are linear, bounded by
 *   hash-max-listpack-entries, as in Redis.
 * - 'hashtable': an IndexedMap (O(1) lookups, O(1) random picks, a scan
 *   cursor with Redis's guarantee).
 *
 * Invariant "convert-once": the hash starts as a listpack and becomes a
 * hashtable the first time it holds more than hash-max-listpack-entries
 * fields or a field/value longer than hash-max-listpack-value bytes (limits
 * read at the moment of growth); it never converts back.
 *
 *   const h = new HashValue();
 *   h.set('f', 'v');           // true: a new field
 *   h.get('f');                // 'v'
 *   h.encoding();              // 'listpack'
 */
import { IndexedMap } from './indexed';
import { limits } from './limits';
import type { Collection } from './types';

export class HashValue implements Collection {
  readonly type = 'hash' as const;
  /** Listpack form: [field, value, field, value, ...]; null once converted. */
  private lp: string[] | null = [];
  /** Hashtable form; null while a listpack. */
  private ht: IndexedMap<string> | null = null;

  get size(): number {
    return this.lp !== null ? this.lp.length >> 1 : this.ht!.size;
  }

  encoding(): string {
    return this.lp !== null ? 'listpack' : 'hashtable';
  }

  /** Index of field in the listpack array (even), or -1. */
  private lpFind(field: string): number {
    const lp = this.lp!;
    for (let i = 0; i < lp.length; i += 2) if (lp[i] === field) return i;
    return -1;
  }

  private convert(): void {
    const lp = this.lp!;
    const ht = new IndexedMap<string>();
    for (let i = 0; i < lp.length; i += 2) ht.set(lp[i], lp[i + 1]);
    this.ht = ht;
    this.lp = null;
  }

  get(field: string): string | undefined {
    if (this.lp === null) return this.ht!.get(field);
    const i = this.lpFind(field);
    return i < 0 ? undefined : this.lp[i + 1];
  }

  has(field: string): boolean {
    return this.lp === null ? this.ht!.has(field) : this.lpFind(field) >= 0;
  }

  /** Sets field to value; returns true when the field is new. */
  set(field: string, value: string): boolean {
    if (this.lp !== null) {
      const max = limits.hashMaxListpackValue;
      if (field.length > max || value.length > max) {
        this.convert();
      } else {
        const i = this.lpFind(field);
        if (i >= 0) {
          this.lp[i + 1] = value;
          return false;
        }
        this.lp.push(field, value);
        if (this.lp.length >> 1 > limits.hashMaxListpackEntries) this.convert();
        return true;
      }
    }
    return this.ht!.set(field, value);
  }

  /** Removes field; returns whether it existed. */
  delete(field: string): boolean {
    if (this.lp === null) return this.ht!.delete(field);
    const i = this.lpFind(field);
    if (i < 0) return false;
    this.lp.splice(i, 2);
    return true;
  }

  /** The field at position i (0 <= i < size): insertion order for a listpack. */
  fieldAt(i: number): string {
    return this.lp !== null ? this.lp[2 * i] : this.ht!.keyAt(i);
  }

  valueAt(i: number): string {
    return this.lp !== null ? this.lp[2 * i + 1] : this.ht!.valAt(i);
  }

  /** A uniformly random position in [0, size). */
  randomIndex(): number {
    return Math.floor(Math.random() * this.size);
  }

  /**
   * HSCAN: visits about `count` fields from `cursor` and returns the next
   * cursor. A listpack is returned whole in one call with cursor 0, as
   * Redis does for its compact encodings.
   */
  scan(cursor: number, count: number, visit: (field: string, value: string) => void): number {
    if (this.lp !== null) {
      const lp = this.lp;
      for (let i = 0; i < lp.length; i += 2) visit(lp[i], lp[i + 1]);
      return 0;
    }
    return this.ht!.scan(cursor, count, visit);
  }

  clone(): HashValue {
    const h = new HashValue();
    if (this.lp !== null) {
      h.lp = this.lp.slice();
    } else {
      const ht = new IndexedMap<string>();
      const src = this.ht!;
      for (let i = 0; i < src.size; i++) ht.set(src.keyAt(i), src.valAt(i));
      h.ht = ht;
      h.lp = null;
    }
    return h;
  }
}
