/*
 * json_codec.h
 *     Lossless storage of git-proxy JSON documents in jsonb.
 *
 * git-proxy records carry arbitrary JavaScript strings: diffs with NUL
 * characters (\u0000) and step logs with lone UTF-16 surrogates (\ud800).
 * PostgreSQL's jsonb refuses both (its strings are text), while the json type
 * accepts them because it only checks syntax.  The API therefore takes and
 * returns json, and stores jsonb in which those code units are rewritten with
 * a reversible escape built on U+FFFF, a Unicode noncharacter reserved for
 * internal use:
 *
 *     U+FFFF itself      ->  U+FFFF 'M'
 *     \u0000             ->  U+FFFF '0'
 *     lone \udXXX        ->  U+FFFF 'u' X X X X   (four lowercase hex digits)
 *
 * Every other string, and so every value anyone filters on in practice, is
 * stored unchanged, so jsonb operators, jsonpath and indexes work on it.
 * Output reverses the escape.  Documents without these code units (nearly
 * all) take a fast path that only scans the text.
 */
#ifndef GPS_JSON_CODEC_H
#define GPS_JSON_CODEC_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/jsonb.h"

/*
 * Parse JSON text (a json or text datum's contents) into the stored jsonb
 * form.  Raises 22P02 (invalid_text_representation) for malformed JSON and
 * 22021 if the server encoding is not UTF8 and the text needs the escape.
 */
extern Jsonb *gps_json_to_jsonb(const char *json, int len);

/* Same for a json (or text) datum. */
extern Jsonb *gps_json_datum_to_jsonb(Datum json);

/*
 * Render stored jsonb as JSON text with the escape reversed; the result is a
 * text varlena usable as a json datum.
 */
extern text *gps_jsonb_to_json(Jsonb *jb);

/*
 * The same into buf (reset first, reused across rows so a listing allocates
 * one buffer, not one per document); the result is buf->data, valid until
 * buf is used again.  For loops whose rows are copied, e.g. by
 * tuplestore_putvalues.
 */
extern text *gps_jsonb_to_json_reuse(StringInfo buf, Jsonb *jb);

/*
 * Render stored jsonb into a StringInfo (appends; escape reversed): the text
 * of jsonb_out with the escape reversed, byte for byte.
 */
extern void gps_append_jsonb_as_json(StringInfo out, Jsonb *jb);

/*
 * Encode a plain text value (a lookup key such as a push id) the way strings
 * inside stored documents are encoded, so it compares equal to them.  Text
 * cannot hold NUL or lone surrogates, so only U+FFFF changes.
 */
extern char *gps_encode_text(const char *s);

/*
 * The code points of a stored-form string (len bytes of UTF-8) with the
 * escape reversed: U+FFFF '0' -> 0, U+FFFF 'M' -> U+FFFF, U+FFFF 'u' XXXX ->
 * the lone surrogate.  out must have room for len code points; returns how
 * many were written.  UTF8 databases only (the escape exists only there).
 */
extern int	gps_decode_to_wchar(const char *s, int len, pg_wchar *out);

/*
 * A stored-form string as text with the escape reversed, or NULL when the
 * real string holds NUL or a lone surrogate (text cannot).
 */
extern char *gps_decode_text(const char *s, int len);

#endif							/* GPS_JSON_CODEC_H */
