/**
 * deriveCreatedAt, decoded locally (git-proxy calls it synchronously) exactly
 * as gitproxy.derive_created_at (src/object_id.c) does: only an id of exactly
 * 24 hexadecimal characters (either case) decodes; its first 8 hex digits are
 * the creation time in epoch seconds.
 */

const OBJECT_ID = /^[0-9A-Fa-f]{24}$/;

/**
 * Mirrors Sink.deriveCreatedAt(id).  Result: ISO-8601 with milliseconds, e.g.
 * "2021-06-15T12:00:00.000Z" (always ".000"), or undefined when `id` is not a
 * 24-hex record id.  No I/O, never throws.
 */
export function deriveCreatedAt(id: string): string | undefined {
  if (typeof id !== 'string' || !OBJECT_ID.test(id)) return undefined;
  const secs = Number.parseInt(id.slice(0, 8), 16);
  return new Date(secs * 1000).toISOString();
}
