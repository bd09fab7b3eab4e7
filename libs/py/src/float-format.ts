/**
 * Python's fixed and exponent formatting of a float (`'%.*f'`, `'%.*e'`, `round(x, n)`): the
 * exact binary value correctly rounded, ties to even. JavaScript's `toFixed`/`toExponential`
 * round ties away from zero (`(2.25).toFixed(1)` is `2.3`, Python's `'%.1f' % 2.25` is `2.2`)
 * and `toFixed` switches to exponent notation from 1e21.
 */

/** A finite double as mant * 2^exp, exactly (mant >= 0). */
function exact(x: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return e === 0 ? { mant: frac, exp: -1074 } : { mant: frac | (1n << 52n), exp: e - 1075 };
}

/** num / den rounded to an integer, ties to even (num, den > 0). */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) return q + 1n;
  return q;
}

/** |x| * 10^shift as a rational num/den. */
function scaled(x: number, shift: number): [bigint, bigint] {
  const { mant, exp } = exact(x);
  let num = mant;
  let den = 1n;
  if (exp >= 0) num <<= BigInt(exp);
  else den <<= BigInt(-exp);
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  return [num, den];
}

function sign(x: number): string {
  return x < 0 || Object.is(x, -0) ? "-" : "";
}

/** Python's `'%.{prec}f' % x` (and the text `round(x, prec)` reads back). */
export function formatFixed(x: number, prec: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const digits = roundHalfEven(...scaled(x, prec)).toString();
  if (prec === 0) return sign(x) + digits;
  const padded = digits.padStart(prec + 1, "0");
  return `${sign(x)}${padded.slice(0, -prec)}.${padded.slice(-prec)}`;
}

/** Python's `'%.{prec}e' % x`: at least two exponent digits (`1.000000e-05`). */
export function formatExp(x: number, prec: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  let k = 0;
  let digits: string;
  if (x === 0) digits = "0".repeat(prec + 1);
  else {
    // The decimal exponent: toExponential's is right or one too small/large after rounding.
    k = Number(Math.abs(x).toExponential().split("e")[1]);
    digits = roundHalfEven(...scaled(x, prec - k)).toString();
    if (digits.length > prec + 1) {
      k += 1;
      digits = roundHalfEven(...scaled(x, prec - k)).toString();
    } else if (digits.length < prec + 1) {
      k -= 1;
      digits = roundHalfEven(...scaled(x, prec - k)).toString();
    }
  }
  const mant = prec === 0 ? digits : `${digits[0]}.${digits.slice(1)}`;
  const ek = Math.abs(k);
  return `${sign(x)}${mant}e${k < 0 ? "-" : "+"}${ek < 10 ? "0" : ""}${ek}`;
}

/** Python's `round(x, ndigits)` for a float. */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Number(formatFixed(x, ndigits));
  return r === 0 && sign(x) === "-" ? -0 : r;
}
