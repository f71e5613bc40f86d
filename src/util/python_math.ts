/** Python's rounding rules, where a reference implementation depends on them. */

/** Python 3 `round(x)`: half to even (2.5 → 2), unlike Math.round (2.5 → 3). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}
