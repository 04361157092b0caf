/**
 * The packed chunk of a list (./list.ts): a run of the list's elements, in
 * order, in ONE latin1 string, each element a length header
 * (./packed-entry.ts) followed by its bytes. The format is self-delimiting,
 * so two packed chunks concatenated are the packed chunk of both runs.
 *
 *   pack(['a', 'xy'], 0, 2, false)   // "\x01a\x02xy"
 *   unpack("\x01a\x02xy", 2, false)  // ['a', 'xy']
 */
import { flat, hdrAt, header, lenAt } from './packed-entry';

/**
 * The packed chunk of a[from..to), in order, or with a[to - 1] first when
 * reversed. Concatenation then one flatten: 15-25 ns per element in a
 * micro-benchmark of 128-element chunks, about twice as fast as parts.join('').
 */
export function pack(a: readonly string[], from: number, to: number, reversed: boolean): string {
  let s = '';
  if (reversed) for (let i = to - 1; i >= from; i--) s += header(a[i].length) + a[i];
  else for (let i = from; i < to; i++) s += header(a[i].length) + a[i];
  return flat(s);
}

/** The n elements of packed chunk s, in order, or last first when reversed. */
export function unpack(s: string, n: number, reversed: boolean): string[] {
  const out = new Array<string>(n);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const len = lenAt(s, p);
    p += hdrAt(s, p);
    out[reversed ? n - 1 - i : i] = s.slice(p, p + len);
    p += len;
  }
  return out;
}

/** Writes the first `take` elements of packed chunk s to out[w..]; returns the next w. */
export function unpackInto(s: string, take: number, out: string[], w: number): number {
  let p = 0;
  for (let i = 0; i < take; i++) {
    const len = lenAt(s, p);
    p += hdrAt(s, p);
    out[w++] = s.slice(p, p + len);
    p += len;
  }
  return w;
}

/** The index of the first element of packed chunk s equal to v, or -1 (allocates nothing). */
export function indexInPacked(s: string, v: string): number {
  // A chunk that does not contain v's bytes anywhere cannot hold the element.
  if (v.length > 0 && s.indexOf(v) < 0) return -1;
  for (let p = 0, i = 0; p < s.length; i++) {
    const len = lenAt(s, p);
    p += hdrAt(s, p);
    if (len === v.length && s.startsWith(v, p)) return i;
    p += len;
  }
  return -1;
}

/** Total length of a's strings. */
export function bytesOf(a: readonly string[]): number {
  let b = 0;
  for (let i = 0; i < a.length; i++) b += a[i].length;
  return b;
}

/**
 * Removes up to `max` elements equal to v from a, in place, scanning from
 * the back when fromBack; returns how many were removed.
 */
export function removeFrom(a: string[], v: string, max: number, fromBack: boolean): number {
  if (max <= 0 || a.indexOf(v) < 0) return 0;
  let removed = 0;
  if (!fromBack) {
    let w = 0;
    for (let r = 0; r < a.length; r++) {
      const x = a[r];
      if (x === v && removed < max) removed++;
      else a[w++] = x;
    }
    a.length = w;
  } else {
    let w = a.length;
    for (let r = a.length - 1; r >= 0; r--) {
      const x = a[r];
      if (x === v && removed < max) removed++;
      else a[--w] = x;
    }
    a.splice(0, w);
  }
  return removed;
}
