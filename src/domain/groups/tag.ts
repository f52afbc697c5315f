// User tags are labels an operator attaches to users and matches in group rules
// (`user.tags`). They share the character set of game and period codes so they stay safe in
// URLs, logs and SQL without quoting, and are compared exactly (case-sensitive).
import { accept, refuse, type Result } from '../result.ts';

const tagPattern = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Parses a tag: 1-64 characters of [A-Za-z0-9_.:-]. Refuses with `rule_value_invalid`. */
export function parseTag(input: unknown, path: string): Result<string> {
  if (typeof input !== 'string' || !tagPattern.test(input)) {
    return refuse('rule_value_invalid', `${path} must be a tag: 1-64 characters of [A-Za-z0-9_.:-]`, path);
  }
  return accept(input);
}
