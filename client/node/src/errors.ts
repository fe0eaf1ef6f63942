/**
 * Errors of the package.  Every error is a {@link SinkError} carrying the
 * server's message unchanged, `code` = the SQLSTATE ('' when the client
 * detected the problem: configuration, connection failure, pool timeout) and
 * a `category` computed exactly like the C library's gps_sqlstate_category.
 */

/** Error categories; the same names and SQLSTATE mapping as libgitproxy_sink's GPS_* statuses. */
export type ErrorCategory =
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_INPUT'
  | 'PERMISSION_DENIED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/**
 * Category of a SQLSTATE, as gps_sqlstate_category in client/src/error.c:
 * P0002 NOT_FOUND; 23505, 42710, 55000, 40001, 40P01 CONFLICT; other class 22
 * and 23 INVALID_INPUT; 42501 PERMISSION_DENIED; class 08 and 57P01-57P03
 * UNAVAILABLE; everything else INTERNAL.
 */
export function sqlstateCategory(code: string): ErrorCategory {
  if (code.length !== 5) return 'INTERNAL';
  if (code === 'P0002') return 'NOT_FOUND';
  if (['23505', '42710', '55000', '40001', '40P01'].includes(code)) return 'CONFLICT';
  if (code.startsWith('22') || code.startsWith('23')) return 'INVALID_INPUT';
  if (code === '42501') return 'PERMISSION_DENIED';
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return 'UNAVAILABLE';
  return 'INTERNAL';
}

/** Base class of every error this package raises. */
export class SinkError extends Error {
  /** SQLSTATE of the server error, e.g. "P0002"; "" when detected by the client. */
  readonly code: string;
  /** Category, as the C library's gps_status (see {@link sqlstateCategory}). */
  readonly category: ErrorCategory;
  /** The server's DETAIL, when it sent one. */
  readonly detail?: string;
  /** The server's HINT, when it sent one. */
  readonly hint?: string;

  constructor(message: string, code: string, category: ErrorCategory,
    extra?: { detail?: string; hint?: string; cause?: unknown }) {
    super(message, extra && 'cause' in extra ? { cause: extra.cause } : undefined);
    this.name = 'SinkError';
    this.code = code;
    this.category = category;
    if (extra?.detail) this.detail = extra.detail;
    if (extra?.hint) this.hint = extra.hint;
  }
}

/**
 * No database named anywhere, or an invalid connection string or pool
 * setting.  category INVALID_INPUT, code "".
 */
export class ConfigurationError extends SinkError {
  constructor(message: string) {
    super(message, '', 'INVALID_INPUT');
    this.name = 'ConfigurationError';
  }
}

/**
 * git-proxy's DuplicateSSHKeyError (src/errors/DatabaseErrors.ts): the server
 * raised 23505 "SSH key already in use by user '<name>'" (addPublicKey,
 * createUser, updateUser).  `existingUsername` is that name.  category
 * CONFLICT, code "23505"; `name` is "DuplicateSSHKeyError" like git-proxy's.
 */
export class DuplicateSSHKeyError extends SinkError {
  readonly existingUsername: string;

  constructor(message: string, existingUsername: string, extra?: { detail?: string; hint?: string; cause?: unknown }) {
    super(message, '23505', 'CONFLICT', extra);
    this.name = 'DuplicateSSHKeyError';
    this.existingUsername = existingUsername;
  }
}

const DUPLICATE_KEY = /^SSH key already in use by user '(.*)'$/s;

interface PgLikeError {
  message?: unknown;
  code?: unknown;
  severity?: unknown;
  detail?: unknown;
  hint?: unknown;
}

/** True when `e` is an error the server sent (it has a SQLSTATE and a severity). */
export function isServerError(e: unknown): boolean {
  const p = e as PgLikeError | null;
  return p != null && typeof p.code === 'string' && /^[0-9A-Z]{5}$/.test(p.code) && typeof p.severity === 'string';
}

/** Convert an error of node-postgres for a server error into a SinkError (message unchanged). */
export function fromServerError(e: unknown): SinkError {
  const p = e as PgLikeError;
  const message = String(p.message ?? '');
  const code = String(p.code);
  const extra = {
    detail: typeof p.detail === 'string' ? p.detail : undefined,
    hint: typeof p.hint === 'string' ? p.hint : undefined,
    cause: e,
  };
  const dup = code === '23505' ? DUPLICATE_KEY.exec(message) : null;
  if (dup) return new DuplicateSSHKeyError(message, dup[1] as string, extra);
  return new SinkError(message, code, sqlstateCategory(code), extra);
}

/** A client-side UNAVAILABLE error (connection failure, lost connection, pool timeout). */
export function unavailable(message: string, cause?: unknown): SinkError {
  return new SinkError(message, '', 'UNAVAILABLE', cause === undefined ? undefined : { cause });
}

/** Message of any thrown value. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) {
    if (e.message) return e.message;
    const agg = (e as { errors?: unknown }).errors;
    if (Array.isArray(agg) && agg.length > 0) return agg.map(messageOf).join('; ');
    return e.name;
  }
  return String(e);
}
