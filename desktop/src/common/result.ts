/**
 * How every vault call answers across a process boundary (Electron IPC or the
 * web shell's WebSocket): a value, or an error with a machine-readable code
 * and a sentence for the log. Exceptions never cross the boundary.
 */
import type { ApiErrorCode } from './api-errors.js';

export interface ApiError {
  readonly code: ApiErrorCode;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ApiErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}
