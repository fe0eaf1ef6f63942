/*
 * json_codec.c
 *     Reversible U+FFFF escape between git-proxy JSON text and stored jsonb
 *     (see json_codec.h for the why and the exact mapping).
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "port/pg_bitutils.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

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
 * Output: stored jsonb as JSON text with the escape reversed, the same text
 * as jsonb_out followed by the reversal ("key": value pairs in stored order,
 * ", " and ": " separators, escape_json's escapes, numeric_out's numbers).
 *
 * A listing page is 50 whole documents, nearly all of it long strings
 * (diffs, step logs), so this is the hot path of reads.  The writer walks the
 * binary container directly (the layout documented in utils/jsonb.h) instead
 * of JsonbIteratorNext, which fills a JsonbValue per token and pallocs an
 * iterator per container, and copies strings in runs between the bytes that
 * need attention, found eight bytes at a time, writing through space
 * reserved in the StringInfo rather than one append call per piece.
 */

/* Room for n more bytes (plus the trailing NUL); where they go. */
static inline char *
reserve(StringInfo out, int n)
{
	if (out->maxlen - out->len <= n)
		enlargeStringInfo(out, n);
	return out->data + out->len;
}

static inline void
put_bytes(StringInfo out, const char *s, int n)
{
	memcpy(reserve(out, n), s, n);
	out->len += n;
}

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

/* escape_json's text for each control byte, padded to 8 to copy as a word */
typedef struct JsonEscape
{
	char		text[8];
	uint8		len;
} JsonEscape;

static const JsonEscape control_escape[32] = {
	{"\\u0000", 6}, {"\\u0001", 6}, {"\\u0002", 6}, {"\\u0003", 6},
	{"\\u0004", 6}, {"\\u0005", 6}, {"\\u0006", 6}, {"\\u0007", 6},
	{"\\b", 2}, {"\\t", 2}, {"\\n", 2}, {"\\u000b", 6},
	{"\\f", 2}, {"\\r", 2}, {"\\u000e", 6}, {"\\u000f", 6},
	{"\\u0010", 6}, {"\\u0011", 6}, {"\\u0012", 6}, {"\\u0013", 6},
	{"\\u0014", 6}, {"\\u0015", 6}, {"\\u0016", 6}, {"\\u0017", 6},
	{"\\u0018", 6}, {"\\u0019", 6}, {"\\u001a", 6}, {"\\u001b", 6},
	{"\\u001c", 6}, {"\\u001d", 6}, {"\\u001e", 6}, {"\\u001f", 6},
};

#ifndef WORDS_BIGENDIAN
#define BYTES8(b) (UINT64CONST(0x0101010101010101) * (uint8) (b))

/* High bit of each zero byte of v; exact up to the lowest zero byte. */
#define ZERO_BYTES(v) (((v) - BYTES8(0x01)) & ~(v) & BYTES8(0x80))

/*
 * High bits marking the special_byte bytes of the 8 bytes in w (memory order
 * = little-endian significance).  Bits above the lowest marked byte may be
 * false (borrows), the lowest is exact, which is all the writer uses.
 */
static inline uint64
special_bytes_mask(uint64 w)
{
	return ((w - BYTES8(0x20)) & ~w & BYTES8(0x80)) |	/* below 0x20 */
		ZERO_BYTES(w ^ BYTES8('"')) |
		ZERO_BYTES(w ^ BYTES8('\\')) |
		ZERO_BYTES(w ^ BYTES8(0xEF));
}
#endif

/*
 * A stored string as a JSON string literal, the escape reversed.  Writes
 * through d into space reserved for the rest of the input plus slack: an
 * escape writes at most 6 bytes and plain bytes are copied 8 at a time (the
 * bytes past a special one are overwritten next), so the reserve is renewed
 * only at escapes.
 */
static void
write_string(StringInfo out, const char *s, int len)
{
	const char *p = s;
	const char *end = s + len;
	char	   *d = reserve(out, len + 16);

	*d++ = '"';
	for (;;)
	{
		unsigned char c;

#ifndef WORDS_BIGENDIAN
		while (end - p >= 8)
		{
			uint64		w;
			uint64		m;

			memcpy(&w, p, 8);
			memcpy(d, &w, 8);
			m = special_bytes_mask(w);
			if (m != 0)
			{
				int			k = pg_rightmost_one_pos64(m) / 8;

				p += k;
				d += k;
				break;
			}
			p += 8;
			d += 8;
		}
#endif
		while (p < end && !special_byte[(unsigned char) *p])
			*d++ = *p++;
		if (p == end)
			break;
		c = (unsigned char) *p;
		if (c == (unsigned char) MARK0 &&
			!(end - p >= 4 && p[1] == MARK1 && p[2] == MARK2))
		{
			*d++ = *p++;		/* another character starting with 0xEF */
			continue;
		}
		out->len = d - out->data;
		d = reserve(out, (int) (end - p) + 16);
		if (c < 0x20)
		{
			memcpy(d, control_escape[c].text, 8);
			d += control_escape[c].len;
			p++;
		}
		else if (c == '"' || c == '\\')
		{
			d[0] = '\\';
			d[1] = (char) c;
			d += 2;
			p++;
		}
		else if (p[3] == '0')
		{
			/* a mark: U+FFFF then its code (json_codec.h) */
			memcpy(d, "\\u0000", 6);
			d += 6;
			p += 4;
		}
		else if (p[3] == 'u' && end - p >= 8)
		{
			d[0] = '\\';
			d[1] = 'u';
			memcpy(d + 2, p + 4, 4);
			d += 6;
			p += 8;
		}
		else
		{
			/* 'M': U+FFFF itself, valid in JSON text */
			memcpy(d, p, 3);
			d += 3;
			p += p[3] == 'M' ? 4 : 3;
		}
	}
	*d++ = '"';
	out->len = d - out->data;
}

/* A scalar entry whose data starts at base + off and is len bytes long. */
static void
write_scalar(StringInfo out, JEntry e, const char *base, uint32 off, uint32 len)
{
	switch (e & JENTRY_TYPEMASK)
	{
		case JENTRY_ISSTRING:
			write_string(out, base + off, (int) len);
			break;
		case JENTRY_ISNUMERIC:
			{
				/* numerics are int-aligned within the data area */
				char	   *num = DatumGetCString(DirectFunctionCall1(numeric_out,
																	  PointerGetDatum(base + INTALIGN(off))));

				put_bytes(out, num, strlen(num));
				pfree(num);
			}
			break;
		case JENTRY_ISBOOL_TRUE:
			put_bytes(out, "true", 4);
			break;
		case JENTRY_ISBOOL_FALSE:
			put_bytes(out, "false", 5);
			break;
		case JENTRY_ISNULL:
			put_bytes(out, "null", 4);
			break;
		default:
			elog(ERROR, "unexpected jsonb entry type 0x%x", (unsigned) (e & JENTRY_TYPEMASK));
	}
}

/* One open container of the walk. */
typedef struct WalkLevel
{
	const JEntry *keys;			/* an object's key entries, NULL for arrays */
	const JEntry *vals;			/* its value entries, or the array's elements */
	const char *base;			/* start of the container's data area */
	uint32		n;				/* pairs or elements */
	uint32		i;				/* next one */
	uint32		koff;			/* data offset of key i */
	uint32		voff;			/* data offset of value / element i */
} WalkLevel;

static void
open_level(StringInfo out, WalkLevel *l, const JsonbContainer *c)
{
	uint32		n = JsonContainerSize(c);

	l->n = n;
	l->i = 0;
	l->koff = 0;
	if (JsonContainerIsObject(c))
	{
		/* keys first (entries 0..n-1), then values; data in that order */
		l->keys = c->children;
		l->vals = c->children + n;
		l->base = (const char *) (c->children + 2 * n);
		l->voff = n > 0 ? getJsonbOffset(c, n) : 0;
		*reserve(out, 1) = '{';
	}
	else
	{
		l->keys = NULL;
		l->vals = c->children;
		l->base = (const char *) (c->children + n);
		l->voff = 0;
		*reserve(out, 1) = '[';
	}
	out->len++;
}

/*
 * Walk the containers with an explicit stack (no recursion, so no depth
 * limit beyond memory, as with JsonbIteratorNext's chain of iterators).
 */
void
gps_append_jsonb_as_json(StringInfo out, Jsonb *jb)
{
	const JsonbContainer *root = &jb->root;
	WalkLevel	fixed[16];
	WalkLevel  *stack = fixed;
	int			cap = lengthof(fixed);
	int			depth = 0;

	if (JsonContainerIsScalar(root))
	{
		/* a raw scalar: a one-element array flagged as such; print the element */
		JEntry		e = root->children[0];

		write_scalar(out, e, (const char *) (root->children + 1), 0, JBE_OFFLENFLD(e));
		out->data[out->len] = '\0';
		return;
	}
	open_level(out, &stack[depth++], root);
	while (depth > 0)
	{
		WalkLevel  *l = &stack[depth - 1];
		JEntry		e;
		uint32		off;

		if (l->i == l->n)
		{
			*reserve(out, 1) = l->keys != NULL ? '}' : ']';
			out->len++;
			depth--;
			continue;
		}
		if (l->i > 0)
			put_bytes(out, ", ", 2);
		if (l->keys != NULL)
		{
			off = l->koff;
			JBE_ADVANCE_OFFSET(l->koff, l->keys[l->i]);
			write_string(out, l->base + off, (int) (l->koff - off));
			put_bytes(out, ": ", 2);
		}
		e = l->vals[l->i];
		off = l->voff;
		JBE_ADVANCE_OFFSET(l->voff, e);
		l->i++;
		if (!JBE_ISCONTAINER(e))
		{
			write_scalar(out, e, l->base, off, l->voff - off);
			continue;
		}
		if (depth == cap)
		{
			WalkLevel  *grown = palloc(sizeof(WalkLevel) * cap * 2);

			memcpy(grown, stack, sizeof(WalkLevel) * cap);
			if (stack != fixed)
				pfree(stack);
			stack = grown;
			cap *= 2;
			l = &stack[depth - 1];
		}
		/* containers are int-aligned within the data area */
		open_level(out, &stack[depth++],
				   (const JsonbContainer *) (l->base + INTALIGN(off)));
	}
	if (stack != fixed)
		pfree(stack);
	/* the pieces are written without the StringInfo's trailing NUL; restore it */
	out->data[out->len] = '\0';
}

/* The varlena header's room, then the text; sized from the jsonb's size. */
static void
render_varlena(StringInfo buf, Jsonb *jb)
{
	/* the text is about as long as the jsonb (escapes grow it a little) */
	enlargeStringInfo(buf, VARHDRSZ + VARSIZE(jb) + VARSIZE(jb) / 8);
	buf->len = VARHDRSZ;
	gps_append_jsonb_as_json(buf, jb);
	SET_VARSIZE(buf->data, buf->len);
}

text *
gps_jsonb_to_json(Jsonb *jb)
{
	StringInfoData buf;

	initStringInfo(&buf);
	render_varlena(&buf, jb);
	return (text *) buf.data;
}

text *
gps_jsonb_to_json_reuse(StringInfo buf, Jsonb *jb)
{
	resetStringInfo(buf);
	render_varlena(buf, jb);
	return (text *) buf->data;
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
