/*
 * json_parse.h
 *     JSON text to jsonb, the result of jsonb_in, faster.
 *
 * PostgreSQL 15's JSON lexer appends every character of every string to a
 * buffer one call at a time; for git-proxy push records (mostly long
 * strings: diffs, logs) that was the largest single cost of an import.
 * gps_parse_jsonb builds the same JsonbValue sequence with pushJsonbValue
 * (so key order, duplicate keys and numbers come out exactly as jsonb_in
 * makes them), pointing at the input for strings without escapes.  Anything
 * it is not sure of (a syntax error, a lone surrogate escape, deep nesting,
 * a top-level scalar, a database encoding other than UTF8) it hands to
 * jsonb_in, so every error, message and context is jsonb_in's own.
 */
#ifndef GPS_JSON_PARSE_H
#define GPS_JSON_PARSE_H

#include "postgres.h"

#include "utils/jsonb.h"

/* jsonb_in of the len bytes at json (need not be NUL-terminated). */
extern Jsonb *gps_parse_jsonb(const char *json, int len);

#endif							/* GPS_JSON_PARSE_H */
