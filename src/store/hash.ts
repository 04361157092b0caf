/**
 * HashValue: the value of a hash key (t_hash.c's low-level API).
 *
 * Two representations, mirroring Redis 7.0's two encodings:
 * - 'listpack': ONE packed latin1 string holding the entries in insertion
 *   order, field, value, field, value, ... (a small hash costs this object
 *   and one string, as Redis's listpack costs one allocation). Each entry is
 *   a length header followed by its bytes:
 *     length < 128:  1 char, the length itself            (0xxxxxxx)
 *     otherwise:     4 chars, big-endian 31-bit length    (1xxxxxxx + 3 bytes)
 *   e.g. {a: 'xy', b: ''} is "\x01a\x02xy\x01b\x00". Lookups walk the
 *   string, bounded by hash-max-listpack-entries, as in Redis; every write
 *   builds a new flat string. HGETALL/HKEYS/HSCAN get Redis's listpack order.
 * - 'hashtable': a PairTable (./pair-table.ts: one packed string per
 *   entry; O(1) lookups, O(1) random picks, a scan cursor with Redis's
 *   guarantee).
 *
 * Index accessors (fieldAt/valueAt) are O(n) on the packed form: callers
 * that walk all entries use forEach/toArray instead.
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
import { limits } from './limits';
import { flat, hdrAt, header, lenAt } from './packed-entry';
import { PairTable } from './pair-table';
import type { Collection } from './types';

/** Position just past the entry whose header starts at p. */
function skip(lp: string, p: number): number {
  return p + hdrAt(lp, p) + lenAt(lp, p);
}

/** The bytes of the entry whose header starts at p. */
function entryAt(lp: string, p: number): string {
  const d = p + hdrAt(lp, p);
  return lp.slice(d, d + lenAt(lp, p));
}

export class HashValue implements Collection {
  readonly type = 'hash' as const;
  /** Listpack form (see the header); null once converted. */
  private lp: string | null = '';
  /** Number of fields while a listpack. */
  private n = 0;
  /** Hashtable form; null while a listpack. */
  private ht: PairTable | null = null;

  get size(): number {
    return this.lp !== null ? this.n : this.ht!.size;
  }

  /**
   * A hash of the pairs in `flat` (f1, v1, f2, v2, ...) built in one pass
   * (the RDB loader: no string rebuilt per field), with the encoding Redis
   * gives a loaded hash under the current limits; null if a field repeats.
   */
  static fromPairs(flat: readonly string[]): HashValue | null {
    const h = new HashValue();
    const n = flat.length >> 1;
    const max = limits.hashMaxListpackValue;
    let small = n <= limits.hashMaxListpackEntries;
    for (let i = 0; small && i < flat.length; i++) if (flat[i].length > max) small = false;
    if (!small) {
      const ht = new PairTable();
      for (let i = 0; i < flat.length; i += 2) if (!ht.set(flat[i], flat[i + 1])) return null;
      h.ht = ht;
      h.lp = null;
      return h;
    }
    const seen = n > 16 ? new Set<string>() : null;
    const parts: string[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const f = flat[i];
      if (seen !== null) {
        if (seen.has(f)) return null;
        seen.add(f);
      } else {
        for (let j = 0; j < i; j += 2) if (flat[j] === f) return null;
      }
      parts.push(header(f.length), f, header(flat[i + 1].length), flat[i + 1]);
    }
    h.lp = parts.join(''); // join builds a flat (sequential) string
    h.n = n;
    return h;
  }

  encoding(): string {
    return this.lp !== null ? 'listpack' : 'hashtable';
  }

  /** Position of field's header in the packed string, or -1. */
  private lpFind(field: string): number {
    const lp = this.lp!;
    const fl = field.length;
    const end = lp.length;
    let p = 0;
    while (p < end) {
      const c = lp.charCodeAt(p);
      let len: number;
      let d: number;
      if (c < 128) {
        len = c;
        d = p + 1;
      } else {
        len = lenAt(lp, p);
        d = p + 4;
      }
      if (len === fl && lp.startsWith(field, d)) return p;
      p = skip(lp, d + len);
    }
    return -1;
  }

  private convert(): void {
    const ht = new PairTable();
    this.forEach((f, v) => ht.set(f, v));
    this.ht = ht;
    this.lp = null;
    this.n = 0;
  }

  get(field: string): string | undefined {
    if (this.lp === null) return this.ht!.get(field);
    const p = this.lpFind(field);
    return p < 0 ? undefined : entryAt(this.lp, skip(this.lp, p));
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
        const lp = this.lp;
        const p = this.lpFind(field);
        if (p >= 0) {
          const vp = skip(lp, p);
          this.lp = flat(lp.slice(0, vp) + header(value.length) + value + lp.slice(skip(lp, vp)));
          return false;
        }
        this.lp = flat(lp + header(field.length) + field + header(value.length) + value);
        this.n++;
        if (this.n > limits.hashMaxListpackEntries) this.convert();
        return true;
      }
    }
    return this.ht!.set(field, value);
  }

  /** Removes field; returns whether it existed. */
  delete(field: string): boolean {
    if (this.lp === null) return this.ht!.delete(field);
    const lp = this.lp;
    const p = this.lpFind(field);
    if (p < 0) return false;
    this.lp = flat(lp.slice(0, p) + lp.slice(skip(lp, skip(lp, p))));
    this.n--;
    return true;
  }

  /** Position of the i-th field's header in the packed string (O(i)). */
  private lpAt(i: number): number {
    const lp = this.lp!;
    let p = 0;
    for (let k = 0; k < i; k++) p = skip(lp, skip(lp, p));
    return p;
  }

  /**
   * The field at position i (0 <= i < size): insertion order for a listpack,
   * where it is O(i); use forEach/toArray to walk all entries.
   */
  fieldAt(i: number): string {
    return this.lp !== null ? entryAt(this.lp, this.lpAt(i)) : this.ht!.fieldAt(i);
  }

  valueAt(i: number): string {
    if (this.lp === null) return this.ht!.valueAt(i);
    return entryAt(this.lp, skip(this.lp, this.lpAt(i)));
  }

  /** Calls fn for every field and value, in iteration order (insertion order for a listpack). */
  forEach(fn: (field: string, value: string) => void): void {
    const lp = this.lp;
    if (lp === null) {
      const ht = this.ht!;
      for (let i = 0; i < ht.size; i++) fn(ht.fieldAt(i), ht.valueAt(i));
      return;
    }
    let p = 0;
    while (p < lp.length) {
      const vp = skip(lp, p);
      fn(entryAt(lp, p), entryAt(lp, vp));
      p = skip(lp, vp);
    }
  }

  /** All entries flat, [field, value, field, value, ...], in iteration order. */
  toArray(): string[] {
    const out: string[] = [];
    this.forEach((f, v) => {
      out.push(f, v);
    });
    return out;
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
      this.forEach(visit);
      return 0;
    }
    return this.ht!.scan(cursor, count, visit);
  }

  clone(): HashValue {
    const h = new HashValue();
    if (this.lp !== null) {
      h.lp = this.lp;
      h.n = this.n;
    } else {
      h.ht = this.ht!.clone();
      h.lp = null;
    }
    return h;
  }
}
