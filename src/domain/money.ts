// Money: bigint minor units, 1 minor = 1/10000 of the deployment currency (STYLE.md §3).
import { formatScaledDecimal, parseScaledDecimal } from './decimal.ts';
import type { Result } from './result.ts';

export const minorPerUnit = 10_000n;
export const amountScaleDigits = 4;
/** The largest amount an event or the API may carry: 10^12 currency units. */
export const amountMaxMinor = 10n ** 12n * minorPerUnit;

const codes = {
  empty: 'amount_empty',
  notDecimal: 'amount_not_decimal',
  negative: 'amount_negative',
  zero: 'amount_zero',
  tooPrecise: 'amount_too_precise',
  tooLarge: 'amount_too_large',
} as const;

/**
 * Parses a wire amount ("100.00") into minor units. Refuses empty or non-decimal text,
 * exponents, signs, more than 4 fraction digits and values above 10^12; zero is refused
 * unless `allowZero` (thresholds and caps may be zero, bets may not).
 */
export function parseAmountMinor(input: unknown, options: { allowZero?: boolean; path?: string } = {}): Result<bigint> {
  return parseScaledDecimal(
    input,
    {
      scaleDigits: amountScaleDigits,
      maxScaled: amountMaxMinor,
      allowZero: options.allowZero ?? false,
      codes,
      noun: 'amount',
      maxText: '10^12',
    },
    options.path,
  );
}

/** Formats minor units as the wire form with exactly 4 fraction digits ("1234.5600"). */
export function formatMinor(amountMinor: bigint): string {
  return formatScaledDecimal(amountMinor, amountScaleDigits);
}
