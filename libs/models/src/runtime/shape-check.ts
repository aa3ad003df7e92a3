/** Shape comparison shared by the runtime (feeds) and the pack (outputs against the manifest). */

export function describeShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks actual dims against a declared shape: same rank, equal fixed dims, and every symbolic dim bound to one
 * value across the tensors checked with the same `bindings` map. Returns a description of the first problem.
 */
export function checkDims(
  shape: readonly (number | string)[],
  dims: readonly number[],
  bindings: Map<string, number>,
): string | null {
  if (shape.length !== dims.length) return `rank ${dims.length}, expected ${shape.length}`;
  for (let i = 0; i < shape.length; i++) {
    const want = shape[i];
    const got = dims[i];
    if (typeof want === 'number') {
      if (want !== got) return `dim ${i} is ${got}, expected ${want}`;
    } else if (want !== '?' && want !== '') {
      const bound = bindings.get(want);
      if (bound === undefined) bindings.set(want, got);
      else if (bound !== got) return `dim ${i} ('${want}') is ${got} but '${want}' is ${bound} elsewhere`;
    }
  }
  return null;
}
