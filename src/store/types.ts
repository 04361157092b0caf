/**
 * The value kinds a key can hold. A string value is a latin1 JS string (one
 * char per byte); every other kind is an object from this folder whose
 * `type` is the name TYPE replies with.
 *
 *   typeName('abc')          // 'string'
 *   typeName(new HashValue()) // 'hash'
 */
export type CollectionType = 'hash' | 'list' | 'set' | 'zset';

export interface Collection {
  readonly type: CollectionType;
  /** Number of elements (fields, items, members). A collection with 0 elements must not stay in the keyspace. */
  readonly size: number;
  /** OBJECT ENCODING's answer under the current thresholds (config). */
  encoding(): string; // uses ./limits.ts
  /** A deep copy (COPY). */
  clone(): Collection;
}

export type Value = string | Collection;

export function typeName(v: Value): string {
  return typeof v === 'string' ? 'string' : v.type;
}
