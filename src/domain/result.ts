// Expected refusals are data, not exceptions (STYLE.md §5). A refusal carries a stable code
// from the catalogue, a human message and, for input errors, the JSON path at fault.
import type { RefusalCode } from './refusal-codes.ts';

export interface Refusal {
  readonly ok: false;
  readonly code: RefusalCode;
  readonly message: string;
  /** JSON path of the offending input, e.g. `/levels/2/promote/turnover30d`. */
  readonly path?: string;
}

export interface Accepted<T> {
  readonly ok: true;
  readonly value: T;
}

export type Result<T> = Accepted<T> | Refusal;

export function accept<T>(value: T): Accepted<T> {
  return { ok: true, value };
}

export function refuse(code: RefusalCode, message: string, path?: string): Refusal {
  return path === undefined ? { ok: false, code, message } : { ok: false, code, message, path };
}
