/**
 * What a worker sends back is stored as PostgreSQL text and jsonb, and neither can hold U+0000 (text refuses the
 * byte; jsonb refuses the \u0000 escape). A worker that put one in an error message, a root word or a score's cue
 * would make the result statement fail for that request on every attempt. NULs become U+FFFD (the replacement
 * character), visibly, everywhere in what is stored — strings and object keys alike.
 */
export function storableText(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s;
}

/** `value` with every string (and key) storable; the same object when there was nothing to replace. */
export function storable<T>(value: T): T {
  return clean(value) as T;
}

function clean(v: unknown): unknown {
  if (typeof v === 'string') return storableText(v);
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const c = clean(v[i]);
      if (c !== v[i]) (out ??= v.slice())[i] = c;
    }
    return out ?? v;
  }
  let changed = false;
  const entries = Object.entries(v).map(([k, x]) => {
    const ck = storableText(k);
    const cx = clean(x);
    if (ck !== k || cx !== x) changed = true;
    return [ck, cx] as const;
  });
  return changed ? Object.fromEntries(entries) : v;
}
