import { describe, expect, it } from 'vitest';
import { scrub } from './redact.ts';

describe('scrub', () => {
  it('masks a secret whose own spaces the quoted text lost or re-wrapped', () => {
    // a plugin's standard error is trimmed before it is quoted: the secret's trailing space goes with it
    expect(scrub('failed:  s3cret-token ', ['s3cret-token '])).toBe('failed: ***');
    expect(scrub('failed: \ts3cret\n  token', ['  s3cret token\n'])).toBe('failed: ***');
  });

  it('masks the longest secret first and leaves short ones alone', () => {
    expect(scrub('token abcdefgh and abc', ['abcd', 'abcdefgh', 'abc'])).toBe('token *** and abc');
  });

  it('shows URLs without their credentials, on one line of at most 400 characters', () => {
    expect(scrub('dial https://user:pw@proxy:3128/x?t=1.\nagain', [])).toBe('dial https://proxy:3128/x. again');
    expect(scrub('x'.repeat(1000), [])).toHaveLength(400);
  });
});
