/*
 * buf.c - growable string buffer and JSON string escaping used to assemble
 * results (arrays of rows, rollup maps) from several result columns.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void
gpsi_buf_init(gpsi_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

static bool
reserve(gpsi_buf *b, size_t extra)
{
	size_t		need;
	char	   *p;

	if (b->oom)
		return false;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t		cap = b->cap ? b->cap : 256;

	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL)
	{
		b->oom = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void
gpsi_buf_put(gpsi_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
gpsi_buf_puts(gpsi_buf *b, const char *s)
{
	gpsi_buf_put(b, s, strlen(s));
}

void
gpsi_buf_printf(gpsi_buf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t) n))
	{
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

/* Append s as a JSON string literal (s is UTF-8; bytes >= 0x80 pass). */
void
gpsi_buf_json_string(gpsi_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	gpsi_buf_put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		switch (*p)
		{
			case '"':
				gpsi_buf_put(b, "\\\"", 2);
				break;
			case '\\':
				gpsi_buf_put(b, "\\\\", 2);
				break;
			case '\n':
				gpsi_buf_put(b, "\\n", 2);
				break;
			case '\r':
				gpsi_buf_put(b, "\\r", 2);
				break;
			case '\t':
				gpsi_buf_put(b, "\\t", 2);
				break;
			default:
				if (*p < 0x20)
				{
					char		esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0xf]};

					gpsi_buf_put(b, esc, 6);
				}
				else
					gpsi_buf_put(b, (const char *) p, 1);
		}
	}
	gpsi_buf_put(b, "\"", 1);
}

void
gpsi_buf_put_column(gpsi_buf *b, const PGresult *res, int nrows, int col)
{
	size_t		total = nrows + 256;	/* separators, and room for what follows */

	for (int i = 0; i < nrows; i++)
		total += (size_t) PQgetlength(res, i, col);
	if (!reserve(b, total))
		return;
	for (int i = 0; i < nrows; i++)
	{
		size_t		n = (size_t) PQgetlength(res, i, col);

		if (i > 0)
			b->data[b->len++] = ',';
		memcpy(b->data + b->len, PQgetvalue(res, i, col), n);
		b->len += n;
	}
	b->data[b->len] = '\0';
}

void
gpsi_buf_free(gpsi_buf *b)
{
	free(b->data);
	gpsi_buf_init(b);
}

gps_status
gpsi_buf_finish(gpsi_buf *b, char **out, gps_error *err)
{
	if (b->oom)
	{
		gpsi_buf_free(b);
		if (out)
			*out = NULL;
		return gpsi_oom(err);
	}
	if (b->data == NULL)
		gpsi_buf_put(b, "", 0);
	if (b->oom)
		return gpsi_buf_finish(b, out, err);
	if (out)
		*out = b->data;
	else
		free(b->data);
	gpsi_buf_init(b);
	return GPS_OK;
}
