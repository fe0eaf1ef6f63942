/*
 * json_parse.c
 *     JSON text to jsonb as jsonb_in makes it, without its per-character
 *     string copying (see json_parse.h).
 *
 * The fast path accepts exactly the grammar of PostgreSQL's JSON parser
 * (RFC 8259; whitespace ' ', \t, \n, \r) for an object or array at the top,
 * and returns false on anything else, before or instead of an error, so
 * that jsonb_in parses the whole text again and reports what it reports.
 * Values reach pushJsonbValue in document order, as jsonb_in's semantic
 * actions push them; numbers go through numeric_in as there, so an error
 * numeric_in raises is the one jsonb_in would raise at the same token.
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "json_parse.h"

/* deeper documents go to jsonb_in (its recursion checks the stack depth) */
#define FAST_MAX_DEPTH 64

/* bytes that end a plain run in a string: '"', '\\' and control characters */
static const bool string_special[256] = {
	[0x00] = true, [0x01] = true, [0x02] = true, [0x03] = true, [0x04] = true,
	[0x05] = true, [0x06] = true, [0x07] = true, [0x08] = true, [0x09] = true,
	[0x0a] = true, [0x0b] = true, [0x0c] = true, [0x0d] = true, [0x0e] = true,
	[0x0f] = true, [0x10] = true, [0x11] = true, [0x12] = true, [0x13] = true,
	[0x14] = true, [0x15] = true, [0x16] = true, [0x17] = true, [0x18] = true,
	[0x19] = true, [0x1a] = true, [0x1b] = true, [0x1c] = true, [0x1d] = true,
	[0x1e] = true, [0x1f] = true, ['"'] = true, ['\\'] = true,
};

#define ONES UINT64CONST(0x0101010101010101)
#define HIGHS UINT64CONST(0x8080808080808080)

/*
 * First byte at or after q that ends a plain run, or end.  Eight bytes at
 * a time: a word with no '"', no '\\' and no byte below 0x20 is skipped.
 */
static inline const char *
scan_plain(const char *q, const char *end)
{
	for (;;)
	{
		const char *lim;

		while (end - q >= 8)
		{
			uint64		w;
			uint64		quote;
			uint64		bslash;

			memcpy(&w, q, 8);
			quote = w ^ (ONES * '"');
			bslash = w ^ (ONES * '\\');
			if ((((quote - ONES) & ~quote) | ((bslash - ONES) & ~bslash) |
				 ((w - ONES * 0x20) & ~w)) & HIGHS)
				break;
			q += 8;
		}
		lim = end - q >= 8 ? q + 8 : end;
		while (q < lim && !string_special[(unsigned char) *q])
			q++;
		if (q < lim || q >= end)
			return q;
	}
}

static inline bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/* what may follow a number or a literal (else PostgreSQL's lexer errs) */
static inline bool
ends_token(const char *p, const char *end)
{
	return p >= end || is_ws(*p) || *p == ',' || *p == ']' || *p == '}';
}

static inline int
hex4(const char *p, const char *end)
{
	int			v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++)
	{
		char		c = p[i];
		int			h;

		if (c >= '0' && c <= '9')
			h = c - '0';
		else if (c >= 'a' && c <= 'f')
			h = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			h = c - 'A' + 10;
		else
			return -1;
		v = (v << 4) | h;
	}
	return v;
}

/*
 * The string whose opening quote is at *pp: v set (pointing into the input
 * when it has no escapes), *pp past the closing quote.  false: not for the
 * fast path.
 */
static bool
parse_string(const char **pp, const char *end, JsonbValue *v)
{
	const char *start = *pp + 1;
	const char *q = scan_plain(start, end);
	StringInfoData buf;

	if (q < end && *q == '"')
	{
		v->type = jbvString;
		v->val.string.val = (char *) start;
		v->val.string.len = (int) (q - start);
		*pp = q + 1;
		return true;
	}
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, start, (int) (q - start));
	for (;;)
	{
		if (q >= end || *q != '\\')
		{
			if (q < end && *q == '"')
				break;
			pfree(buf.data);
			return false;		/* unterminated, or a raw control character */
		}
		if (end - q < 2)
		{
			pfree(buf.data);
			return false;
		}
		switch (q[1])
		{
			case '"':
			case '\\':
			case '/':
				appendStringInfoChar(&buf, q[1]);
				q += 2;
				break;
			case 'b':
				appendStringInfoChar(&buf, '\b');
				q += 2;
				break;
			case 'f':
				appendStringInfoChar(&buf, '\f');
				q += 2;
				break;
			case 'n':
				appendStringInfoChar(&buf, '\n');
				q += 2;
				break;
			case 'r':
				appendStringInfoChar(&buf, '\r');
				q += 2;
				break;
			case 't':
				appendStringInfoChar(&buf, '\t');
				q += 2;
				break;
			case 'u':
				{
					int			cp = hex4(q + 2, end);
					unsigned char utf8[8];

					q += 6;
					if (cp >= 0xD800 && cp <= 0xDBFF)
					{
						int			lo = (end - q >= 2 && q[0] == '\\' && q[1] == 'u')
						? hex4(q + 2, end) : -1;

						if (lo < 0xDC00 || lo > 0xDFFF)
						{
							pfree(buf.data);
							return false;	/* a lone high surrogate */
						}
						cp = ((cp & 0x3FF) << 10) + (lo & 0x3FF) + 0x10000;
						q += 6;
					}
					else if (cp <= 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
					{
						pfree(buf.data);
						return false;	/* bad hex, \u0000 or a lone low surrogate */
					}
					unicode_to_utf8((pg_wchar) cp, utf8);
					appendBinaryStringInfo(&buf, (char *) utf8, pg_utf_mblen(utf8));
					break;
				}
			default:
				pfree(buf.data);
				return false;
		}
		{
			const char *run = q;

			q = scan_plain(q, end);
			appendBinaryStringInfo(&buf, run, (int) (q - run));
		}
	}
	v->type = jbvString;
	v->val.string.val = buf.data;
	v->val.string.len = buf.len;
	*pp = q + 1;
	return true;
}

/* a number, true, false or null at *pp; false: not for the fast path */
static bool
parse_scalar(const char **pp, const char *end, JsonbValue *v)
{
	const char *p = *pp;
	const char *t = p;

	if (*p == '-' || (*p >= '0' && *p <= '9'))
	{
		char	   *tok;

		if (*p == '-')
			p++;
		if (p < end && *p == '0')
			p++;
		else if (p < end && *p >= '1' && *p <= '9')
			while (p < end && *p >= '0' && *p <= '9')
				p++;
		else
			return false;
		if (p < end && *p == '.')
		{
			p++;
			if (p >= end || *p < '0' || *p > '9')
				return false;
			while (p < end && *p >= '0' && *p <= '9')
				p++;
		}
		if (p < end && (*p == 'e' || *p == 'E'))
		{
			p++;
			if (p < end && (*p == '+' || *p == '-'))
				p++;
			if (p >= end || *p < '0' || *p > '9')
				return false;
			while (p < end && *p >= '0' && *p <= '9')
				p++;
		}
		if (!ends_token(p, end))
			return false;
		tok = pnstrdup(t, p - t);
		v->type = jbvNumeric;
		v->val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
															 CStringGetDatum(tok),
															 ObjectIdGetDatum(InvalidOid),
															 Int32GetDatum(-1)));
		pfree(tok);
	}
	else if (end - p >= 4 && memcmp(p, "true", 4) == 0)
	{
		p += 4;
		v->type = jbvBool;
		v->val.boolean = true;
	}
	else if (end - p >= 5 && memcmp(p, "false", 5) == 0)
	{
		p += 5;
		v->type = jbvBool;
		v->val.boolean = false;
	}
	else if (end - p >= 4 && memcmp(p, "null", 4) == 0)
	{
		p += 4;
		v->type = jbvNull;
	}
	else
		return false;
	if (!ends_token(p, end))
		return false;
	*pp = p;
	return true;
}

/* The fast path: *out set and true, or false (nothing to keep). */
static bool
fast_parse(const char *s, int len, Jsonb **out)
{
	const char *p = s;
	const char *end = s + len;
	JsonbParseState *state = NULL;
	JsonbValue *res = NULL;
	char		stack[FAST_MAX_DEPTH];
	int			depth = 0;
	JsonbValue	v;

	p = skip_ws(p, end);
	if (p >= end || (*p != '{' && *p != '['))
		return false;			/* a top-level scalar (or nothing) */

	for (;;)
	{
		/* a value at p */
		p = skip_ws(p, end);
		if (p >= end)
			return false;
		if (*p == '{' || *p == '[')
		{
			bool		obj = *p == '{';

			if (depth == FAST_MAX_DEPTH)
				return false;
			stack[depth++] = *p;
			res = pushJsonbValue(&state, obj ? WJB_BEGIN_OBJECT : WJB_BEGIN_ARRAY, NULL);
			p = skip_ws(p + 1, end);
			if (p < end && *p == (obj ? '}' : ']'))
			{
				p++;
				depth--;
				res = pushJsonbValue(&state, obj ? WJB_END_OBJECT : WJB_END_ARRAY, NULL);
				goto after_value;
			}
			if (obj)
				goto key;
			continue;
		}
		if (*p == '"')
		{
			if (!parse_string(&p, end, &v))
				return false;
		}
		else if (!parse_scalar(&p, end, &v))
			return false;
		res = pushJsonbValue(&state, stack[depth - 1] == '[' ? WJB_ELEM : WJB_VALUE, &v);

after_value:
		p = skip_ws(p, end);
		if (depth == 0)
		{
			if (p != end)
				return false;	/* trailing garbage */
			*out = JsonbValueToJsonb(res);
			return true;
		}
		if (p >= end)
			return false;
		if (*p == ',')
		{
			p++;
			if (stack[depth - 1] == '{')
				goto key;
			continue;
		}
		if (*p == (stack[depth - 1] == '{' ? '}' : ']'))
		{
			bool		obj = *p == '}';

			p++;
			depth--;
			res = pushJsonbValue(&state, obj ? WJB_END_OBJECT : WJB_END_ARRAY, NULL);
			goto after_value;
		}
		return false;

key:
		p = skip_ws(p, end);
		if (p >= end || *p != '"' || !parse_string(&p, end, &v))
			return false;
		(void) pushJsonbValue(&state, WJB_KEY, &v);
		p = skip_ws(p, end);
		if (p >= end || *p != ':')
			return false;
		p++;
	}
}

Jsonb *
gps_parse_jsonb(const char *json, int len)
{
	Jsonb	   *result;
	char	   *cstr;

	/* \u escapes become UTF-8 only in a UTF8 database; jsonb_in knows the rest */
	if (GetDatabaseEncoding() == PG_UTF8 && len < (int) JENTRY_OFFLENMASK &&
		fast_parse(json, len, &result))
		return result;
	cstr = pnstrdup(json, len);
	result = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(cstr)));
	pfree(cstr);
	return result;
}
