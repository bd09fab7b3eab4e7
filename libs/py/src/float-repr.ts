/**
 * Python's `repr(float)` and PyYAML's float text.
 *
 * Python and JavaScript both print the shortest digit string that round-trips, so the digits
 * are the same; only the layout differs. Python (`float_repr_style == 'short'`, i.e.
 * `PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0)`) switches to exponent notation when
 * the decimal point position `decpt` (value = 0.DIGITS x 10^decpt) is `<= -4` or `> 16`,
 * writes the exponent with a sign and at least 2 digits, and adds `.0` to integral values in
 * positional notation only: `1e-05`, `0.0001`, `1e+16`, `1000000000000000.0`, `1.5e+300`.
 */

/** The shortest round-trip digits of a finite, non-zero |x|, and its decimal point position. */
function shortestDigits(x: number): { digits: string; decpt: number } {
  // toExponential() without an argument gives the shortest round-trip mantissa.
  const s = Math.abs(x).toExponential();
  const e = s.indexOf("e");
  const mantissa = s.slice(0, e);
  const exp = Number(s.slice(e + 1));
  const digits = mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa;
  return { digits, decpt: exp + 1 };
}

/** Python `repr()` of a float. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const { digits, decpt } = shortestDigits(x);
  const n = digits.length;
  if (decpt <= -4 || decpt > 16) {
    const exp = decpt - 1;
    const mant = n === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    const absExp = Math.abs(exp);
    return `${sign}${mant}e${exp < 0 ? "-" : "+"}${absExp < 10 ? "0" : ""}${absExp}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= n) return `${sign}${digits}${"0".repeat(decpt - n)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/**
 * The text PyYAML's SafeRepresenter writes for a float: `.nan`, `.inf`, `-.inf`, else
 * `repr(x).lower()` with `.0` inserted before the `e` when there is no dot (`1e+16` ->
 * `1.0e+16`), so that YAML 1.1 resolvers read it back as a float.
 */
export function yamlFloatText(x: number): string {
  if (Number.isNaN(x)) return ".nan";
  if (x === Infinity) return ".inf";
  if (x === -Infinity) return "-.inf";
  const r = pythonFloatRepr(x);
  if (!r.includes(".") && r.includes("e")) return r.replace("e", ".0e");
  return r;
}
