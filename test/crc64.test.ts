import { expect, test } from 'vitest';
import fc from 'fast-check';
import { crc64, crc64Bytes, crc64Digest, crc64Init, crc64Update } from '../src/persistence/crc64';
import { lzfCompress, lzfDecompress, newLzfTable } from '../src/persistence/lzf';

/** Bit-at-a-time reflected CRC-64/Jones with BigInt: the definition, slow but obvious. */
function crcReference(buf: Uint8Array): bigint {
  const poly = 0x95ac9329ac4bc9b5n; // 0xad93d23594c935a9 reflected
  let crc = 0n;
  for (const b of buf) {
    crc ^= BigInt(b);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

test('crc64 test vector of Redis (crc64.c)', () => {
  expect(crc64(0n, Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
  expect(crc64(0n, Buffer.alloc(0))).toBe(0n);
  // Little-endian bytes, as Redis writes them after EOF and in DUMP payloads.
  expect(crc64Bytes(crc64Update(crc64Init(), Buffer.from('123456789')))).toEqual(Buffer.from('cad9b8c414d9c6e9', 'hex'));
});

test('crc64 slicing-by-8 equals the bitwise definition, in one go or in pieces', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(100), (bytes, cut) => {
      const buf = Buffer.from(bytes);
      const want = crcReference(buf);
      expect(crc64(0n, buf)).toBe(want);
      const at = Math.min(cut, buf.length);
      const s = crc64Init();
      crc64Update(s, buf, 0, at);
      crc64Update(s, buf, at);
      expect(crc64Digest(s)).toBe(want);
    }),
  );
});

test('crc64 seed continues a previous checksum', () => {
  const a = Buffer.from('hello ');
  const b = Buffer.from('world, this is longer than eight bytes');
  expect(crc64(crc64(0n, a), b)).toBe(crc64(0n, Buffer.concat([a, b])));
});

test('crc64 checksums 100 MB in a few seconds', () => {
  const big = Buffer.alloc(100 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 997) big[i] = i & 0xff;
  const t0 = Date.now();
  crc64(0n, big);
  expect(Date.now() - t0).toBeLessThan(5000);
});

test('lzf round-trips random and repetitive data', () => {
  const table = newLzfTable(); // kept across inputs: stale offsets must never corrupt the output
  const gen = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 3000 }),
    fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 800 }))
      .map(([unit, n]) => Uint8Array.from({ length: unit.length * n }, (_, i) => unit[i % unit.length])),
  );
  fc.assert(
    fc.property(gen, (bytes) => {
      const src = Buffer.from(bytes);
      const c = lzfCompress(src, src.length + 64, table);
      expect(c).not.toBeNull();
      expect(lzfDecompress(c!, src.length)).toEqual(src);
    }),
  );
});

test('lzf gives up when the output would not fit, and rejects corrupt streams', () => {
  const random = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 7919 + 13) % 251));
  expect(lzfCompress(random, random.length - 4)).toBeNull();
  const rep = Buffer.from('abc'.repeat(100));
  const c = lzfCompress(rep, rep.length - 4, newLzfTable())!;
  // liblzf's exact bytes for this input from a fresh table (as Redis's DUMP of the same string shows).
  expect(c.toString('latin1')).toBe('\x03abca\xe0\xff\x02\xe1\x15\x07\x01bc');
  expect(lzfDecompress(c, rep.length + 1)).toBeNull(); // wrong size
  expect(lzfDecompress(Buffer.from([0x20, 0x00]), 3)).toBeNull(); // reference before the start
  expect(lzfDecompress(Buffer.from([0x05, 0x61]), 6)).toBeNull(); // literal run past the end
});
