import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Overflow, countBits, findBit, readSigned, readUnsigned, signedOverflow, unsignedOverflow, writeBits } from '../src/util/bitmap';

const bitAt = (s: string, i: number) => (s.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1;
const bytes = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a).toString('latin1'));

describe('bitmap helpers against a bit-by-bit model', () => {
  test('countBits', () => {
    fc.assert(
      fc.property(bytes, fc.nat(), fc.nat(), (s, x, y) => {
        const n = s.length * 8;
        const [a, b] = [x % n, y % n].sort((p, q) => p - q);
        let want = 0;
        for (let i = a; i <= b; i++) want += bitAt(s, i);
        expect(countBits(s, a, b)).toBe(want);
      }),
    );
  });

  test('findBit', () => {
    fc.assert(
      fc.property(bytes, fc.nat(), fc.nat(), fc.constantFrom(0 as const, 1 as const), (s, x, y, bit) => {
        const n = s.length * 8;
        const [a, b] = [x % n, y % n].sort((p, q) => p - q);
        let want = -1;
        for (let i = a; i <= b && want < 0; i++) if (bitAt(s, i) === bit) want = i;
        expect(findBit(s, bit, a, b)).toBe(want);
      }),
    );
  });

  test('writeBits then readUnsigned / readSigned round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.nat(100), fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), (bits, off, v) => {
        const buf = Buffer.alloc(30, 0xa5);
        const before = Buffer.from(buf);
        writeBits(buf, off, bits, v);
        expect(readUnsigned(buf, off, bits)).toBe(BigInt.asUintN(bits, v));
        expect(readSigned(buf, off, bits)).toBe(BigInt.asIntN(bits, v));
        // Bits outside the field are untouched.
        for (let i = 0; i < 240; i++) {
          if (i >= off && i < off + bits) continue;
          expect(bitAt(buf.toString('latin1'), i)).toBe(bitAt(before.toString('latin1'), i));
        }
      }),
    );
  });

  test('overflow rules', () => {
    expect(unsignedOverflow(250n, 10n, 8, Overflow.Wrap)).toEqual([1, 4n]);
    expect(unsignedOverflow(250n, 10n, 8, Overflow.Sat)).toEqual([1, 255n]);
    expect(unsignedOverflow(5n, -10n, 8, Overflow.Sat)).toEqual([-1, 0n]);
    expect(unsignedOverflow(5n, -10n, 8, Overflow.Wrap)).toEqual([-1, 251n]);
    expect(unsignedOverflow(5n, 10n, 8, Overflow.Wrap)).toEqual([0, 0n]);
    expect(signedOverflow(120n, 10n, 8, Overflow.Wrap)).toEqual([1, -126n]);
    expect(signedOverflow(-120n, -10n, 8, Overflow.Sat)).toEqual([-1, -128n]);
    expect(signedOverflow(2n ** 63n - 1n, 1n, 64, Overflow.Wrap)).toEqual([1, -(2n ** 63n)]);
    // Redis's int64 arithmetic quirk: SET i8 to INT64_MIN under SAT saturates to the maximum.
    expect(signedOverflow(-(2n ** 63n), 0n, 8, Overflow.Sat)).toEqual([1, 127n]);
  });
});
