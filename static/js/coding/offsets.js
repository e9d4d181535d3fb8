/* Code points ↔ UTF-16 units. Offsets on the coding page are Unicode code points of the
 * canonical text (Python's text[start:end]); JS strings count UTF-16 units ("𠝹".length is
 * 2), so nothing uses a string's .length as an offset: conversions go through codePointAt.
 * Pure: no DOM, importable by tests.
 */

/** Code points in s[0:units]; a boundary inside a surrogate pair rounds down or up. */
export function unitsToCp(s, units, roundUp) {
  let cp = 0;
  let i = 0;
  while (i < units && i < s.length) {
    const width = s.codePointAt(i) > 0xffff ? 2 : 1;
    if (i + width > units) return roundUp ? cp + 1 : cp;
    i += width;
    cp += 1;
  }
  return cp;
}

/** UTF-16 index of code point number cp in s. */
export function cpToUnits(s, cp) {
  let i = 0;
  for (let k = 0; k < cp && i < s.length; k++) i += s.codePointAt(i) > 0xffff ? 2 : 1;
  return i;
}

export const cpCount = (s) => unitsToCp(s, s.length, true);

/** The first n code points of text, white space collapsed, with "…" when cut. */
export function snippet(text, n) {
  const cps = Array.from(text.replace(/\s+/gu, " "));
  return cps.length > n ? cps.slice(0, n).join("") + "…" : cps.join("");
}
