/**
 * The list value: a growable ring buffer (deque) of latin1 strings.
 *
 * O(1) push and pop at both ends, O(1) access by index (LINDEX, LSET, the
 * LRANGE walk), inserts and removals in the middle move the shorter side.
 * The capacity is a power of two so an index wraps with a mask.
 *
 * Redis 7.0 stores every list as a quicklist (the listpack encoding of small
 * lists arrived in 7.2), so OBJECT ENCODING always answers 'quicklist'.
 *
 *   const l = new ListValue();
 *   l.pushTail('a'); l.pushHead('b');   // b a
 *   l.at(-1);                           // 'a'
 */
import type { Collection } from './types';

const MIN_CAPACITY = 8;

export class ListValue implements Collection {
  readonly type = 'list' as const;
  private buf: (string | undefined)[];
  private head = 0;
  private len = 0;
  private mask: number;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.buf = new Array<string | undefined>(cap);
    this.mask = cap - 1;
  }

  /** A list holding items in order. */
  static from(items: readonly string[]): ListValue {
    const l = new ListValue(items.length);
    for (let i = 0; i < items.length; i++) l.buf[i] = items[i];
    l.len = items.length;
    return l;
  }

  get size(): number {
    return this.len;
  }

  encoding(): string {
    return 'quicklist';
  }

  clone(): ListValue {
    return ListValue.from(this.toArray());
  }

  /** The element at index i (0 = head; negative counts from the tail), or undefined. */
  at(i: number): string | undefined {
    if (i < 0) i += this.len;
    if (i < 0 || i >= this.len) return undefined;
    return this.buf[(this.head + i) & this.mask];
  }

  /** Replaces the element at 0 <= i < size. */
  setAt(i: number, v: string): void {
    this.buf[(this.head + i) & this.mask] = v;
  }

  pushHead(v: string): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  pushTail(v: string): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const slot = (this.head + this.len - 1) & this.mask;
    const v = this.buf[slot];
    this.buf[slot] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Elements start..end (inclusive, 0 <= start <= end < size) in order. */
  range(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start, j = 0; i <= end; i++, j++) out[j] = this.buf[(this.head + i) & this.mask] as string;
    return out;
  }

  toArray(): string[] {
    return this.len === 0 ? [] : this.range(0, this.len - 1);
  }

  /** Keeps only elements start..end (inclusive, 0 <= start <= end < size). */
  trim(start: number, end: number): void {
    const mask = this.mask;
    for (let i = 0; i < start; i++) this.buf[(this.head + i) & mask] = undefined;
    for (let i = end + 1; i < this.len; i++) this.buf[(this.head + i) & mask] = undefined;
    this.head = (this.head + start) & mask;
    this.len = end - start + 1;
    this.maybeShrink();
  }

  /** Removes everything. */
  clear(): void {
    this.buf = new Array<string | undefined>(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.len = 0;
  }

  /** Inserts v so that it ends up at index i (0 <= i <= size), moving the shorter side. */
  insertAt(i: number, v: string): void {
    if (i === 0) return this.pushHead(v);
    if (i === this.len) return this.pushTail(v);
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    const mask = this.mask;
    if (i < this.len / 2) {
      // Shift elements 0..i-1 one slot towards the head.
      this.head = (this.head - 1) & mask;
      for (let k = 0; k < i; k++) this.buf[(this.head + k) & mask] = this.buf[(this.head + k + 1) & mask];
    } else {
      for (let k = this.len; k > i; k--) this.buf[(this.head + k) & mask] = this.buf[(this.head + k - 1) & mask];
    }
    this.buf[(this.head + i) & mask] = v;
    this.len++;
  }

  /**
   * LREM: removes up to `count` elements equal to v (0 = all), scanning from
   * the head, or from the tail when fromTail. Returns how many were removed.
   */
  remove(v: string, count: number, fromTail: boolean): number {
    const n = this.len;
    const mask = this.mask;
    const keep = new Array<boolean>(n);
    let removed = 0;
    for (let k = 0; k < n; k++) {
      const i = fromTail ? n - 1 - k : k;
      const hit = (count === 0 || removed < count) && this.buf[(this.head + i) & mask] === v;
      if (hit) removed++;
      keep[i] = !hit;
    }
    if (removed === 0) return 0;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      if (w !== i) this.buf[(this.head + w) & mask] = this.buf[(this.head + i) & mask];
      w++;
    }
    for (let i = w; i < n; i++) this.buf[(this.head + i) & mask] = undefined;
    this.len = w;
    this.maybeShrink();
    return removed;
  }

  /** Index of the first element equal to v from the head, or -1. */
  indexOf(v: string): number {
    for (let i = 0; i < this.len; i++) if (this.buf[(this.head + i) & this.mask] === v) return i;
    return -1;
  }

  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap > 64 && this.len < cap / 4) this.resize(cap / 2);
  }

  private resize(cap: number): void {
    const nb = new Array<string | undefined>(cap);
    for (let i = 0; i < this.len; i++) nb[i] = this.buf[(this.head + i) & this.mask];
    this.buf = nb;
    this.head = 0;
    this.mask = cap - 1;
  }
}
