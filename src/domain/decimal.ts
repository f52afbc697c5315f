// Exact parsing of the decimal strings that carry money and rates on the wire. No floating
// point anywhere: the text is split into digits and scaled as bigint.
import type { RefusalCode } from './refusal-codes.ts';
import { accept, refuse, type Result } from './result.ts';

const plainDecimal = /^(\d+)(?:\.(\d+))?$/;
/** Bounds the work done on hostile input before the regular expression runs. */
const inputLengthMax = 64;

export interface DecimalRules {
  readonly scaleDigits: number;
  readonly maxScaled: bigint;
  readonly allowZero: boolean;
  readonly codes: {
    readonly empty: RefusalCode;
    readonly notDecimal: RefusalCode;
    readonly negative: RefusalCode;
    readonly zero: RefusalCode;
    readonly tooPrecise: RefusalCode;
    readonly tooLarge: RefusalCode;
  };
  readonly noun: string;
  readonly maxText: string;
}

/** Parses `text` into an integer scaled by 10^scaleDigits, refusing anything inexact. */
export function parseScaledDecimal(input: unknown, rules: DecimalRules, path?: string): Result<bigint> {
  const { codes, noun } = rules;
  let text: string;
  if (typeof input === 'number') {
    // A JSON number is only accepted when it is an integer that a double holds exactly;
    // fractional numbers lose exactness in JSON.parse already, so they are refused.
    if (!Number.isSafeInteger(input)) {
      return refuse(codes.notDecimal, `${noun} must be a decimal string, got the number ${String(input)}`, path);
    }
    text = String(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return refuse(codes.notDecimal, `${noun} must be a decimal string`, path);
  }
  if (text.length === 0) return refuse(codes.empty, `${noun} is empty`, path);
  if (text.length > inputLengthMax)
    return refuse(codes.notDecimal, `${noun} is longer than ${inputLengthMax} characters`, path);
  if (text.startsWith('-')) {
    return plainDecimal.test(text.slice(1))
      ? refuse(codes.negative, `${noun} must not be negative, got "${text}"`, path)
      : refuse(codes.notDecimal, `${noun} is not a plain decimal number: "${text}"`, path);
  }
  const match = plainDecimal.exec(text);
  if (match === null) return refuse(codes.notDecimal, `${noun} is not a plain decimal number: "${text}"`, path);
  const wholeDigits = match[1] ?? '0';
  const fractionDigits = match[2] ?? '';
  if (fractionDigits.length > rules.scaleDigits) {
    return refuse(codes.tooPrecise, `${noun} has more than ${rules.scaleDigits} fraction digits: "${text}"`, path);
  }
  const scaled =
    BigInt(wholeDigits) * 10n ** BigInt(rules.scaleDigits) +
    BigInt(fractionDigits.padEnd(rules.scaleDigits, '0') || '0');
  if (scaled > rules.maxScaled) return refuse(codes.tooLarge, `${noun} is above ${rules.maxText}: "${text}"`, path);
  if (scaled === 0n && !rules.allowZero) return refuse(codes.zero, `${noun} must be greater than zero`, path);
  return accept(scaled);
}

/** Formats an integer scaled by 10^scaleDigits with exactly scaleDigits fraction digits. */
export function formatScaledDecimal(value: bigint, scaleDigits: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scaleDigits + 1, '0');
  const whole = digits.slice(0, digits.length - scaleDigits);
  const fraction = digits.slice(digits.length - scaleDigits);
  return `${negative ? '-' : ''}${whole}${scaleDigits > 0 ? `.${fraction}` : ''}`;
}
