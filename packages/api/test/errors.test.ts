import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { ERROR_REASONS, RosterError, reasonOf } from '../src/errors';

describe('error reasons', () => {
  it('maps each reason to its code', () => {
    for (const [reason, { code }] of Object.entries(ERROR_REASONS)) {
      const error = new RosterError(reason as keyof typeof ERROR_REASONS);
      expect(error.code).toBe(code);
      expect(reasonOf(error)).toBe(reason);
    }
  });

  it('gives errors raised by tRPC itself a reason too', () => {
    expect(reasonOf(new TRPCError({ code: 'PARSE_ERROR' }))).toBe('BAD_REQUEST');
    expect(reasonOf(new TRPCError({ code: 'INTERNAL_SERVER_ERROR' }))).toBe('INTERNAL');
    expect(reasonOf(new TRPCError({ code: 'METHOD_NOT_SUPPORTED' }))).toBe('METHOD_NOT_ALLOWED');
    expect(reasonOf(new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE' }))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(reasonOf(new TRPCError({ code: 'TIMEOUT' }))).toBe('REQUEST_TIMEOUT');
  });
});
