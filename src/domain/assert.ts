// Broken invariants stop the process (STYLE.md §5, TigerBeetle's assertions). These are
// not for bad input: input is refused with a Refusal long before it reaches an assertion.
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantViolation(message);
}
