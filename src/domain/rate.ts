// Rates: integer parts per million, 0..1_000_000 (STYLE.md §3). A JS number holds every
// value exactly; products with money are always taken in bigint.
import { formatScaledDecimal, parseScaledDecimal } from './decimal.ts';
import { accept, type Result } from './result.ts';

export const ppmPerUnit = 1_000_000;
export const rateScaleDigits = 6;

const codes = {
  empty: 'rate_empty',
  notDecimal: 'rate_not_decimal',
  negative: 'rate_negative',
  zero: 'rate_not_decimal',
  tooPrecise: 'rate_too_precise',
  tooLarge: 'rate_too_large',
} as const;

/** Parses a wire rate ("0.065") in [0, 1] with at most 6 fraction digits into ppm. */
export function parseRatePpm(input: unknown, options: { path?: string } = {}): Result<number> {
  const parsed = parseScaledDecimal(
    input,
    { scaleDigits: rateScaleDigits, maxScaled: BigInt(ppmPerUnit), allowZero: true, codes, noun: 'rate', maxText: '1' },
    options.path,
  );
  return parsed.ok ? accept(Number(parsed.value)) : parsed;
}

/** Formats ppm as the shortest exact decimal ("0.065", "0", "1"). */
export function formatPpm(ratePpm: number): string {
  const full = formatScaledDecimal(BigInt(ratePpm), rateScaleDigits);
  const trimmed = full.replace(/0+$/, '');
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
}
