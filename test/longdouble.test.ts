import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble, type LongDouble } from '../src/util/longdouble';

/** INCRBYFLOAT's arithmetic: a + b formatted, or null when either is refused / the sum is infinite. */
function incr(a: string, b: string): string | null {
  const x = parseLongDouble(a);
  const y = parseLongDouble(b);
  if (x === null || y === null || 'inf' in x || 'inf' in y) return null;
  const r = addLongDouble(x, y);
  return r === null ? null : formatLongDoubleHuman(r);
}

describe('long double (x87 80-bit) arithmetic', () => {
  test('known Redis results', () => {
    // Each right-hand side was read from redis-server 7.0.15 on x86-64.
    expect(incr('10.5', '0.1')).toBe('10.6');
    expect(incr('3.0e3', '5.0e3')).toBe('8000');
    expect(incr('8000', '1.1')).toBe('8001.10000000000000009');
    expect(incr('1.5', '0.5')).toBe('2');
    expect(incr('0', '0x10')).toBe('16');
    expect(incr('1e4000', '-1e4000')).toBe('0');
    expect(incr('0', '1e-4940')).toBe('0');
    expect(incr('0', '1e300')).toBe(
      '1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144',
    );
  });

  test('strtold rules as string2ld applies them', () => {
    for (const bad of ['', ' 1', '1 ', 'abc', '1e', '.', '0x', 'nan', '-nan', '1e-5000', '1e5000', '-1e5000', '1'.repeat(5120)]) {
      expect(parseLongDouble(bad), bad).toBeNull();
    }
    for (const ok of ['1', '+1', '-1', '.5', '5.', '1E2', '0x1p3', '0X.8P1', '1e-4940', '0e-99999', '0.' + '1'.repeat(5117)]) {
      expect(parseLongDouble(ok), ok).not.toBeNull();
    }
    expect(parseLongDouble('inf')).toEqual({ inf: true, neg: false });
    expect(parseLongDouble('-Infinity')).toEqual({ inf: true, neg: true });
  });

  test('sums of integers below 2^64 are exact', () => {
    fc.assert(
      fc.property(fc.bigInt(-(2n ** 62n), 2n ** 62n), fc.bigInt(-(2n ** 62n), 2n ** 62n), (a, b) => {
        expect(incr(String(a), String(b))).toBe(String(a + b));
      }),
    );
  });

  test('short decimals below 8 read back as typed', () => {
    // Below 8 the mantissa's last bit is 2^-61, so the rounding error stays under
    // half of the 17th decimal and the typed digits come back (above, Redis
    // itself prints 260.35 as 260.35000000000000001).
    fc.assert(
      fc.property(fc.integer({ min: -7999999, max: 7999999 }), fc.integer({ min: 6, max: 6 }), (n, scale) => {
        const s = (n / 10 ** scale).toFixed(scale);
        const expected = s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
        expect(incr('0', s)).toBe(expected === '-0' ? '0' : expected);
      }),
    );
  });

  test('rounding is to nearest, ties to even, at the 64th bit', () => {
    const two64 = 2n ** 64n;
    // 2^64 + 1 is a tie between 2^64 and 2^64 + 2 -> even mantissa (2^64).
    expect(incr(String(two64), '1')).toBe(String(two64));
    expect(incr(String(two64), '3')).toBe(String(two64 + 4n));
    const r = parseLongDouble(String(two64 + 2n)) as LongDouble;
    expect(r.m * 2n ** BigInt(r.e)).toBe(two64 + 2n);
  });
});
