/*
 * json_codec.c
 *     Reversible U+FFFF escape between git-proxy JSON text and stored jsonb
 *     (see json_codec.h for the why and the exact mapping).
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "compat.h"
#include "json_codec.h"
#include "json_parse.h"

/* U+FFFF in UTF-8 */
#define MARK0 ((char) 0xEF)
#define MARK1 ((char) 0xBF)
#define MARK2 ((char) 0xBF)

static inline bool
is_mark(const char *p, const char *end)
{
	return end - p >= 3 && p[0] == MARK0 && p[1] == MARK1 && p[2] == MARK2;
}

static inline int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Value of the \uXXXX escape at p (p points at the backslash), or -1. */
static inline int
unicode_escape_at(const char *p, const char *end)
{
	int			v = 0;

	if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	for (int i = 2; i < 6; i++)
	{
		int			h = hexval(p[i]);

		if (h < 0)
			return -1;
		v = (v << 4) | h;
	}
	return v;
}

static inline void
append_mark(StringInfo out, char code)
{
	appendStringInfoChar(out, MARK0);
	appendStringInfoChar(out, MARK1);
	appendStringInfoChar(out, MARK2);
	appendStringInfoChar(out, code);
}

/*
 * Does this JSON text contain anything the escape must rewrite?  A cheap scan
 * so the common case hands the input to jsonb_in untouched.
 */
static bool
needs_encoding(const char *s, const char *end)
{
	const uint64 ones = UINT64CONST(0x0101010101010101);
	const uint64 highs = UINT64CONST(0x8080808080808080);

	for (const char *p = s; p < end; p++)
	{
		/* skip words with neither a backslash nor 0xEF (a mark's lead) */
		while (end - p >= 8)
		{
			uint64		w;
			uint64		bs;
			uint64		ef;

			memcpy(&w, p, 8);
			bs = w ^ (ones * '\\');
			ef = w ^ (ones * 0xEF);
			if ((((bs - ones) & ~bs) | ((ef - ones) & ~ef)) & highs)
				break;
			p += 8;
		}
		if (p >= end)
			break;
		if (*p == '\\' && p + 1 < end)
		{
			int			v = unicode_escape_at(p, end);

			if (v == 0 || v == 0xFFFF || (v >= 0xD800 && v <= 0xDFFF))
				return true;
			p++;				/* skip the escaped character */
		}
		else if (is_mark(p, end))
			return true;
	}
	return false;
}

/*
 * Rewrite the JSON text so jsonb_in accepts it.  Escapes only occur inside
 * strings and raw U+FFFF only inside strings or keys, so no tokenizer is
 * needed: every backslash starts an escape.
 */
static void
encode_json_text(const char *s, const char *end, StringInfo out)
{
	const char *p = s;

	while (p < end)
	{
		if (*p == '\\' && p + 1 < end)
		{
			int			v = unicode_escape_at(p, end);

			if (v == 0)
			{
				append_mark(out, '0');
				p += 6;
			}
			else if (v == 0xFFFF)
			{
				append_mark(out, 'M');
				p += 6;
			}
			else if (v >= 0xD800 && v <= 0xDBFF)
			{
				int			lo = unicode_escape_at(p + 6, end);

				if (lo >= 0xDC00 && lo <= 0xDFFF)
				{
					/* a proper pair: jsonb stores it as one code point */
					appendBinaryStringInfo(out, p, 12);
					p += 12;
				}
				else
				{
					append_mark(out, 'u');
					appendStringInfo(out, "%04x", v);
					p += 6;
				}
			}
			else if (v >= 0xDC00 && v <= 0xDFFF)
			{
				append_mark(out, 'u');
				appendStringInfo(out, "%04x", v);
				p += 6;
			}
			else
			{
				appendBinaryStringInfo(out, p, 2);
				p += 2;
			}
		}
		else if (is_mark(p, end))
		{
			append_mark(out, 'M');
			p += 3;
		}
		else
		{
			appendStringInfoChar(out, *p);
			p++;
		}
	}
}


Jsonb *
gps_json_to_jsonb(const char *json, int len)
{
	const char *end = json + len;
	StringInfoData buf;

	if (!needs_encoding(json, end))
		return gps_parse_jsonb(json, len);

	/* the escape stores U+FFFF as UTF-8, which only a UTF8 database can hold */
	if (GetDatabaseEncoding() != PG_UTF8)
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("gitproxy_sink needs a UTF8 database to store this document"),
				 errdetail("The document contains \\u0000, a lone surrogate or U+FFFF.")));

	initStringInfo(&buf);
	encode_json_text(json, end, &buf);
	{
		Jsonb	   *result = gps_parse_jsonb(buf.data, buf.len);

		pfree(buf.data);
		return result;
	}
}

Jsonb *
gps_json_datum_to_jsonb(Datum json)
{
	text	   *t = DatumGetTextPP(json);

	return gps_json_to_jsonb(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/*
 * Append a stored string as a JSON string literal, reversing the escape.
 * Same escapes as PostgreSQL's escape_json (so the text equals jsonb_out's),
 * but runs of plain bytes are copied at once: documents are mostly long
 * strings (diffs, logs), and jsonb_out appends them byte by byte.
 */
/* Bytes that end a plain run in a string: controls, '"', '\\', a mark's lead. */
static const bool special_byte[256] = {
	[0x00] = true, [0x01] = true, [0x02] = true, [0x03] = true, [0x04] = true,
	[0x05] = true, [0x06] = true, [0x07] = true, [0x08] = true, [0x09] = true,
	[0x0a] = true, [0x0b] = true, [0x0c] = true, [0x0d] = true, [0x0e] = true,
	[0x0f] = true, [0x10] = true, [0x11] = true, [0x12] = true, [0x13] = true,
	[0x14] = true, [0x15] = true, [0x16] = true, [0x17] = true, [0x18] = true,
	[0x19] = true, [0x1a] = true, [0x1b] = true, [0x1c] = true, [0x1d] = true,
	[0x1e] = true, [0x1f] = true, ['"'] = true, ['\\'] = true, [0xEF] = true,
};

static void
append_json_string(StringInfo out, const char *s, int len)
{
	const char *p = s;
	const char *end = s + len;
	const char *run = s;

	appendStringInfoCharMacro(out, '"');
	while (p < end)
	{
		unsigned char c = (unsigned char) *p;

		if (!special_byte[c])
		{
			p++;
			continue;
		}
		if (c == (unsigned char) MARK0 && !(is_mark(p, end) && end - p >= 4))
		{
			p++;				/* another character starting with 0xEF */
			continue;
		}
		appendBinaryStringInfo(out, run, p - run);
		switch (c)
		{
			case '"':
				appendStringInfoString(out, "\\\"");
				break;
			case '\\':
				appendStringInfoString(out, "\\\\");
				break;
			case '\b':
				appendStringInfoString(out, "\\b");
				break;
			case '\f':
				appendStringInfoString(out, "\\f");
				break;
			case '\n':
				appendStringInfoString(out, "\\n");
				break;
			case '\r':
				appendStringInfoString(out, "\\r");
				break;
			case '\t':
				appendStringInfoString(out, "\\t");
				break;
			default:
				if (c < 0x20)
				{
					appendStringInfo(out, "\\u%04x", (int) c);
					break;
				}
				/* a mark: U+FFFF then its code (json_codec.h) */
				if (p[3] == '0')
				{
					appendStringInfoString(out, "\\u0000");
					p += 4;
				}
				else if (p[3] == 'u' && end - p >= 8)
				{
					appendStringInfoString(out, "\\u");
					appendBinaryStringInfo(out, p + 4, 4);
					p += 8;
				}
				else
				{
					/* 'M': U+FFFF itself, valid in JSON text */
					appendBinaryStringInfo(out, p, 3);
					p += p[3] == 'M' ? 4 : 3;
				}
				run = p;
				continue;
		}
		p++;
		run = p;
	}
	appendBinaryStringInfo(out, run, p - run);
	appendStringInfoCharMacro(out, '"');
}

static void
append_scalar(StringInfo out, JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			appendStringInfoString(out, "null");
			break;
		case jbvBool:
			appendStringInfoString(out, v->val.boolean ? "true" : "false");
			break;
		case jbvNumeric:
			appendStringInfoString(out,
								   DatumGetCString(DirectFunctionCall1(numeric_out,
																	   NumericGetDatum(v->val.numeric))));
			break;
		case jbvString:
			append_json_string(out, v->val.string.val, v->val.string.len);
			break;
		default:
			elog(ERROR, "unexpected jsonb scalar type %d", (int) v->type);
	}
}

/*
 * Render stored jsonb as JSON text with the escape reversed, in one pass over
 * the jsonb (no intermediate jsonb_out text).  Layout as jsonb_out: ", " and
 * ": " separators.
 */
void
gps_append_jsonb_as_json(StringInfo out, Jsonb *jb)
{
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbIteratorToken tok;
	JsonbValue	v;
	bool		need_comma = false;
	bool		raw_scalar = false;
	int			depth = 0;

	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		switch (tok)
		{
			case WJB_BEGIN_ARRAY:
				if (depth++ == 0 && v.val.array.rawScalar)
				{
					raw_scalar = true;
					break;
				}
				if (need_comma)
					appendBinaryStringInfo(out, ", ", 2);
				appendStringInfoCharMacro(out, '[');
				need_comma = false;
				break;
			case WJB_BEGIN_OBJECT:
				depth++;
				if (need_comma)
					appendBinaryStringInfo(out, ", ", 2);
				appendStringInfoCharMacro(out, '{');
				need_comma = false;
				break;
			case WJB_END_ARRAY:
				if (--depth == 0 && raw_scalar)
					break;
				appendStringInfoCharMacro(out, ']');
				need_comma = true;
				break;
			case WJB_END_OBJECT:
				depth--;
				appendStringInfoCharMacro(out, '}');
				need_comma = true;
				break;
			case WJB_KEY:
				if (need_comma)
					appendBinaryStringInfo(out, ", ", 2);
				append_json_string(out, v.val.string.val, v.val.string.len);
				appendBinaryStringInfo(out, ": ", 2);
				need_comma = false;
				break;
			case WJB_VALUE:
			case WJB_ELEM:
				if (need_comma)
					appendBinaryStringInfo(out, ", ", 2);
				append_scalar(out, &v);
				need_comma = true;
				break;
			default:
				elog(ERROR, "unexpected jsonb iterator token %d", (int) tok);
		}
	}
}

text *
gps_jsonb_to_json(Jsonb *jb)
{
	StringInfoData buf;
	text	   *result;

	/*
	 * Build the varlena in place: header first, then the text, sized up
	 * front (the text is about as long as the jsonb) to avoid regrowing.
	 */
	initStringInfo(&buf);
	enlargeStringInfo(&buf, VARHDRSZ + VARSIZE(jb) + VARSIZE(jb) / 8);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	gps_append_jsonb_as_json(&buf, jb);
	result = (text *) buf.data;
	SET_VARSIZE(result, buf.len);
	return result;
}

char *
gps_encode_text(const char *s)
{
	size_t		len = strlen(s);
	const char *end = s + len;
	StringInfoData buf;

	if (memchr(s, MARK0, len) == NULL)
		return pstrdup(s);

	initStringInfo(&buf);
	for (const char *p = s; p < end;)
	{
		if (is_mark(p, end))
		{
			append_mark(&buf, 'M');
			p += 3;
		}
		else
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

/* Value of four lowercase hex digits at p (the 'u' code of a mark), or -1. */
static int
mark_hex4(const char *p, const char *end)
{
	int			v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++)
	{
		int			h = hexval(p[i]);

		if (h < 0)
			return -1;
		v = (v << 4) | h;
	}
	return v;
}

int
gps_decode_to_wchar(const char *s, int len, pg_wchar *out)
{
	const char *p = s;
	const char *end = s + len;
	int			n = 0;

	while (p < end)
	{
		int			clen;

		if (is_mark(p, end) && end - p >= 4)
		{
			int			v;

			if (p[3] == '0')
			{
				out[n++] = 0;
				p += 4;
				continue;
			}
			if (p[3] == 'u' && (v = mark_hex4(p + 4, end)) >= 0)
			{
				out[n++] = (pg_wchar) v;
				p += 8;
				continue;
			}
			out[n++] = 0xFFFF;
			p += p[3] == 'M' ? 4 : 3;
			continue;
		}
		clen = pg_utf_mblen((const unsigned char *) p);
		if (clen > end - p)
			clen = end - p;
		out[n++] = utf8_to_unicode((const unsigned char *) p);
		p += clen;
	}
	return n;
}

char *
gps_decode_text(const char *s, int len)
{
	const char *p = s;
	const char *end = s + len;
	StringInfoData buf;

	initStringInfo(&buf);
	while (p < end)
	{
		if (is_mark(p, end) && end - p >= 4)
		{
			if (p[3] == '0' || p[3] == 'u')
			{
				pfree(buf.data);
				return NULL;
			}
			appendBinaryStringInfo(&buf, p, 3);
			p += p[3] == 'M' ? 4 : 3;
			continue;
		}
		appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}
