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

#include "compat.h"
#include "json_codec.h"

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
	for (const char *p = s; p < end; p++)
	{
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

static Jsonb *
parse_jsonb(const char *cstr)
{
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(cstr)));
}

Jsonb *
gps_json_to_jsonb(const char *json, int len)
{
	const char *end = json + len;
	StringInfoData buf;

	if (!needs_encoding(json, end))
	{
		char	   *cstr = pnstrdup(json, len);
		Jsonb	   *result = parse_jsonb(cstr);

		pfree(cstr);
		return result;
	}

	/* the escape stores U+FFFF as UTF-8, which only a UTF8 database can hold */
	if (GetDatabaseEncoding() != PG_UTF8)
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("gitproxy_sink needs a UTF8 database to store this document"),
				 errdetail("The document contains \\u0000, a lone surrogate or U+FFFF.")));

	initStringInfo(&buf);
	encode_json_text(json, end, &buf);
	{
		Jsonb	   *result = parse_jsonb(buf.data);

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
 * Append jsonb_out's rendering of the encoded text with the escape reversed.
 * jsonb_out never escapes U+FFFF nor the ASCII letters and digits that follow
 * it, so the marks arrive intact.
 */
static void
append_decoded(StringInfo out, const char *s, int len)
{
	const char *p = s;
	const char *end = s + len;

	while (p < end)
	{
		const char *m = memchr(p, MARK0, end - p);

		if (m == NULL)
		{
			appendBinaryStringInfo(out, p, end - p);
			return;
		}
		appendBinaryStringInfo(out, p, m - p);
		p = m;
		if (is_mark(p, end) && end - p >= 4)
		{
			char		code = p[3];

			if (code == 'M')
			{
				appendBinaryStringInfo(out, p, 3);
				p += 4;
				continue;
			}
			if (code == '0')
			{
				appendStringInfoString(out, "\\u0000");
				p += 4;
				continue;
			}
			if (code == 'u' && end - p >= 8)
			{
				appendStringInfoString(out, "\\u");
				appendBinaryStringInfo(out, p + 4, 4);
				p += 8;
				continue;
			}
		}
		/* not one of ours (cannot happen for stored data): copy the byte */
		appendStringInfoChar(out, *p);
		p++;
	}
}

void
gps_append_jsonb_as_json(StringInfo out, Jsonb *jb)
{
	StringInfoData raw;

	initStringInfo(&raw);
	(void) JsonbToCString(&raw, &jb->root, VARSIZE(jb));
	if (memchr(raw.data, MARK0, raw.len) == NULL)
		appendBinaryStringInfo(out, raw.data, raw.len);
	else
		append_decoded(out, raw.data, raw.len);
	pfree(raw.data);
}

text *
gps_jsonb_to_json(Jsonb *jb)
{
	StringInfoData raw;
	text	   *result;

	initStringInfo(&raw);
	(void) JsonbToCString(&raw, &jb->root, VARSIZE(jb));
	if (memchr(raw.data, MARK0, raw.len) == NULL)
		result = cstring_to_text_with_len(raw.data, raw.len);
	else
	{
		StringInfoData dec;

		initStringInfo(&dec);
		append_decoded(&dec, raw.data, raw.len);
		result = cstring_to_text_with_len(dec.data, dec.len);
		pfree(dec.data);
	}
	pfree(raw.data);
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
