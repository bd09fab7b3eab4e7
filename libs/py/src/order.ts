/**
 * Python's ordering of `str` values. JavaScript's `<` and `sort()` compare UTF-16 code units,
 * which puts U+10000 and above before U+E000-FFFF; Python compares code points.
 */

/** Python's sort order for str: by code point (JS `<` compares UTF-16 code units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (U+D800-DFFF, i.e. code points >= U+10000) sort after U+E000-FFFF.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
        y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}
