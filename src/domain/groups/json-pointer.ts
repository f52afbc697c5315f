// Refusals name the input at fault by JSON Pointer (RFC 6901). Keys are operator-written
// text, so `~` and `/` inside them must be escaped or the path would point elsewhere.

/** Appends one reference token (an object key or an array index) to a JSON Pointer. */
export function pointerTo(base: string, token: string | number): string {
  const text = typeof token === 'number' ? String(token) : token.replaceAll('~', '~0').replaceAll('/', '~1');
  return `${base}/${text}`;
}
