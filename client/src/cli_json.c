/*
 * cli_json.c - a minimal JSON tokenizer for the command-line tool:
 * validation of JSON arguments, pretty printing of results and decoding of
 * a JSON array of strings.  Strings and numbers are printed exactly as
 * given (escapes kept).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_DEPTH 512

typedef struct parser
{
	const char *s;
	const char *p;
	FILE	   *out;			/* NULL: validate only */
	char	   *err;
	size_t		errlen;
	bool		failed;
} parser;

static void
fail(parser *ps, const char *fmt,...)
{
	va_list		ap;
	char		msg[200];

	if (ps->failed)
		return;
	ps->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err)
		snprintf(ps->err, ps->errlen, "%s at byte offset %ld", msg, (long) (ps->p - ps->s));
}

static void
ws(parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static void
emit(parser *ps, const char *s, size_t n)
{
	if (ps->out)
		fwrite(s, 1, n, ps->out);
}

static void
indent(parser *ps, int depth)
{
	if (ps->out)
	{
		fputc('\n', ps->out);
		for (int i = 0; i < depth; i++)
			fputs("  ", ps->out);
	}
}

static int
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

/* scan a string at ps->p ('"'); emit it verbatim */
static void
string(parser *ps)
{
	const char *start = ps->p++;

	for (;;)
	{
		unsigned char c = (unsigned char) *ps->p;

		if (c == '\0')
			{ fail(ps, "unterminated string (the input ends inside it)"); return; }
		if (c < 0x20)
			{ fail(ps, "control character in string"); return; }
		if (c == '"')
			break;
		if (c == '\\')
		{
			ps->p++;
			if (*ps->p == 'u')
			{
				for (int i = 1; i <= 4; i++)
					if (hexval(ps->p[i]) < 0)
						{ fail(ps, "bad \\u escape"); return; }
				ps->p += 4;
			}
			else if (*ps->p == '\0')
				{ fail(ps, "unterminated string (the input ends inside it)"); return; }
			else if (!strchr("\"\\/bfnrt", *ps->p))
				{ fail(ps, "bad escape \\%c (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
					   (unsigned char) *ps->p >= 0x20 && (unsigned char) *ps->p < 0x7f ? *ps->p : '?'); return; }
		}
		ps->p++;
	}
	ps->p++;
	emit(ps, start, (size_t) (ps->p - start));
}

static void
number(parser *ps)
{
	const char *start = ps->p;

	if (*ps->p == '-')
		ps->p++;
	if (*ps->p == '0')
		ps->p++;
	else if (*ps->p >= '1' && *ps->p <= '9')
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	else
		{ fail(ps, "bad number"); return; }
	if (*ps->p == '.')
	{
		ps->p++;
		if (!(*ps->p >= '0' && *ps->p <= '9'))
			{ fail(ps, "bad number"); return; }
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (*ps->p == 'e' || *ps->p == 'E')
	{
		ps->p++;
		if (*ps->p == '+' || *ps->p == '-')
			ps->p++;
		if (!(*ps->p >= '0' && *ps->p <= '9'))
			{ fail(ps, "bad number"); return; }
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	emit(ps, start, (size_t) (ps->p - start));
}

static void value(parser *ps, int depth);

static void
container(parser *ps, int depth, char open, char close)
{
	int			n = 0;

	if (depth >= MAX_DEPTH)
		{ fail(ps, "nesting too deep"); return; }
	ps->p++;
	emit(ps, &open, 1);
	ws(ps);
	if (*ps->p == close)
	{
		ps->p++;
		emit(ps, &close, 1);
		return;
	}
	for (;;)
	{
		if (n++ > 0)
			emit(ps, ",", 1);
		indent(ps, depth + 1);
		ws(ps);
		if (open == '{')
		{
			if (*ps->p != '"')
				{ fail(ps, "expected a string key"); return; }
			string(ps);
			if (ps->failed)
				return;
			ws(ps);
			if (*ps->p != ':')
				{ fail(ps, "expected ':'"); return; }
			ps->p++;
			emit(ps, ": ", 2);
			ws(ps);
		}
		value(ps, depth + 1);
		if (ps->failed)
			return;
		ws(ps);
		if (*ps->p == ',')
		{
			ps->p++;
			continue;
		}
		if (*ps->p == close)
		{
			ps->p++;
			indent(ps, depth);
			emit(ps, &close, 1);
			return;
		}
		{ fail(ps, "expected ',' or '%c'", close); return; }
	}
}

static void
literal(parser *ps, const char *word)
{
	size_t		n = strlen(word);

	if (strncmp(ps->p, word, n) != 0)
		{ fail(ps, "unexpected character"); return; }
	ps->p += n;
	emit(ps, word, n);
}

static void
value(parser *ps, int depth)
{
	ws(ps);
	switch (*ps->p)
	{
		case '{':
			{ container(ps, depth, '{', '}'); return; }
		case '[':
			{ container(ps, depth, '[', ']'); return; }
		case '"':
			{ string(ps); return; }
		case 't':
			{ literal(ps, "true"); return; }
		case 'f':
			{ literal(ps, "false"); return; }
		case 'n':
			{ literal(ps, "null"); return; }
		case '\0':
			{ fail(ps, "unexpected end of input"); return; }
		default:
			if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
				{ number(ps); return; }
			{ fail(ps, "unexpected character"); return; }
	}
}

static int
run(const char *text, FILE *out, char *err, size_t errlen)
{
	parser		ps = {text, text, out, err, errlen, false};

	value(&ps, 0);
	ws(&ps);
	if (!ps.failed && *ps.p != '\0')
		fail(&ps, "trailing characters");
	return ps.failed ? -1 : 0;
}

int
cli_json_validate(const char *text, char *errbuf, size_t errlen)
{
	return run(text, NULL, errbuf, errlen);
}

int
cli_json_pretty(const char *text, FILE *out)
{
	if (run(text, NULL, NULL, 0) != 0)
		return -1;
	run(text, out, NULL, 0);
	fputc('\n', out);
	return 0;
}

/* (cli.h) */
long
cli_utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = s[i];
		size_t		n;
		unsigned long cp;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, cp = c & 0x07;
		else
			return (long) i;
		if (i + n >= len)
			return (long) i;		/* truncated sequence */
		for (size_t k = 1; k <= n; k++)
		{
			if ((s[i + k] & 0xC0) != 0x80)
				return (long) i;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
			(cp >= 0xD800 && cp <= 0xDFFF))
			return (long) i;
		i += n + 1;
	}
	return -1;
}

/* append code point cp as UTF-8 */
static size_t
utf8(unsigned long cp, char *o)
{
	if (cp < 0x80)
	{
		o[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		o[0] = (char) (0xC0 | (cp >> 6));
		o[1] = (char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		o[0] = (char) (0xE0 | (cp >> 12));
		o[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char) (0xF0 | (cp >> 18));
	o[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

/* decode a validated JSON string literal starting at *pp ('"') */
static char *
decode_string(const char **pp)
{
	const char *p = *pp + 1;
	char	   *out = malloc(strlen(p) + 1);	/* decoding never grows */
	size_t		n = 0;

	if (out == NULL)
		return NULL;
	while (*p != '"')
	{
		if (*p != '\\')
		{
			out[n++] = *p++;
			continue;
		}
		p++;
		switch (*p)
		{
			case 'b':
				out[n++] = '\b';
				break;
			case 'f':
				out[n++] = '\f';
				break;
			case 'n':
				out[n++] = '\n';
				break;
			case 'r':
				out[n++] = '\r';
				break;
			case 't':
				out[n++] = '\t';
				break;
			case 'u':
				{
					unsigned long cp = 0;

					for (int i = 1; i <= 4; i++)
						cp = cp * 16 + (unsigned long) hexval(p[i]);
					p += 4;
					if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u')
					{
						unsigned long lo = 0;

						for (int i = 3; i <= 6; i++)
							lo = lo * 16 + (unsigned long) hexval(p[i]);
						if (lo >= 0xDC00 && lo < 0xE000)
						{
							cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
							p += 6;
						}
					}
					n += utf8(cp, out + n);
					break;
				}
			default:
				out[n++] = *p;
		}
		p++;
	}
	out[n] = '\0';
	*pp = p + 1;
	return out;
}

void
cli_free_strings(char **items, size_t n)
{
	if (items == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

int
cli_json_string_array(const char *text, char ***items, size_t *n, char *errbuf, size_t errlen)
{
	const char *p = text;
	char	  **arr = NULL;
	size_t		cnt = 0;

	*items = NULL;
	*n = 0;
	if (cli_json_validate(text, errbuf, errlen) != 0)
		return -1;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '[')
	{
		snprintf(errbuf, errlen, "expected a JSON array of strings");
		return -1;
	}
	p++;
	for (;;)
	{
		char	  **grown;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',')
			p++;
		if (*p == ']')
			break;
		if (*p != '"')
		{
			cli_free_strings(arr, cnt);
			snprintf(errbuf, errlen, "expected a JSON array of strings");
			return -1;
		}
		grown = realloc(arr, (cnt + 1) * sizeof(char *));
		if (grown == NULL || (grown[cnt] = decode_string(&p)) == NULL)
		{
			cli_free_strings(grown ? grown : arr, cnt);
			snprintf(errbuf, errlen, "out of memory");
			return -1;
		}
		arr = grown;
		cnt++;
	}
	*items = arr;
	*n = cnt;
	return 0;
}
