/*
 * error.c - error categories and the gps_error filling helpers.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *
gps_status_name(gps_status status)
{
	switch (status)
	{
		case GPS_OK:
			return "OK";
		case GPS_NOT_FOUND:
			return "NOT_FOUND";
		case GPS_CONFLICT:
			return "CONFLICT";
		case GPS_INVALID_INPUT:
			return "INVALID_INPUT";
		case GPS_PERMISSION_DENIED:
			return "PERMISSION_DENIED";
		case GPS_UNAVAILABLE:
			return "UNAVAILABLE";
		case GPS_INTERNAL:
			return "INTERNAL";
		case GPS_TIMEOUT:
			return "TIMEOUT";
	}
	return "INTERNAL";
}

gps_status
gps_sqlstate_category(const char *s)
{
	if (s == NULL || strlen(s) != 5)
		return GPS_INTERNAL;
	if (strcmp(s, "00000") == 0)
		return GPS_OK;
	if (strcmp(s, "P0002") == 0)
		return GPS_NOT_FOUND;
	if (strcmp(s, "23505") == 0 || strcmp(s, "42710") == 0 || strcmp(s, "55000") == 0 ||
		strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0)
		return GPS_CONFLICT;
	if (strncmp(s, "22", 2) == 0 || strncmp(s, "23", 2) == 0)
		return GPS_INVALID_INPUT;
	/* program limit exceeded, statement too complex, stack depth: caused
	 * by the size or shape of the input */
	if (strcmp(s, "54000") == 0 || strcmp(s, "54001") == 0)
		return GPS_INVALID_INPUT;
	/* query canceled (statement_timeout, cancel request), lock timeout */
	if (strcmp(s, "57014") == 0 || strcmp(s, "55P03") == 0)
		return GPS_TIMEOUT;
	if (strcmp(s, "42501") == 0)
		return GPS_PERMISSION_DENIED;
	if (strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 || strcmp(s, "57P02") == 0 ||
		strcmp(s, "57P03") == 0)
		return GPS_UNAVAILABLE;
	return GPS_INTERNAL;
}

size_t
gpsi_utf8_clip(const char *s, size_t n)
{
	size_t		lead = n;
	size_t		need;
	unsigned char c;

	/* back over at most three continuation bytes to the last lead byte */
	while (lead > 0 && n - lead < 4 && ((unsigned char) s[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0)
		return n;				/* only continuation bytes: not UTF-8 anyway */
	c = (unsigned char) s[lead - 1];
	need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
	return (lead - 1) + need <= n ? n : lead - 1;
}

size_t
gpsi_copy_text(char *dst, size_t size, const char *src)
{
	size_t		n;

	if (src == NULL)
		src = "";
	n = strlen(src);
	while (n > 0 && (src[n - 1] == '\n' || src[n - 1] == ' '))
		n--;
	if (n >= size)
	{
		n = gpsi_utf8_clip(src, size - 1);
		while (n > 0 && (src[n - 1] == '\n' || src[n - 1] == ' '))
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

#define copy_trimmed(dst, size, src) ((void) gpsi_copy_text((dst), (size), (src)))

void
gpsi_error_clear(gps_error *err)
{
	if (err == NULL)
		return;
	err->category = GPS_OK;
	err->sqlstate[0] = '\0';
	err->message[0] = '\0';
	err->detail[0] = '\0';
	err->hint[0] = '\0';
}

gps_status
gpsi_error_set(gps_error *err, gps_status category, const char *sqlstate, const char *fmt,...)
{
	va_list		ap;
	char		msg[sizeof(err->message)];

	if (err == NULL)
		return category;
	gpsi_error_clear(err);
	err->category = category;
	copy_trimmed(err->sqlstate, sizeof(err->sqlstate), sqlstate);
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int) sizeof(msg))
		msg[gpsi_utf8_clip(msg, strlen(msg))] = '\0';	/* cut inside a character */
	va_end(ap);
	copy_trimmed(err->message, sizeof(err->message), msg);
	return category;
}

gps_status
gpsi_oom(gps_error *err)
{
	return gpsi_error_set(err, GPS_INTERNAL, "", "out of memory");
}

/*
 * Fill err from a failed result (res may be NULL when libpq could not even
 * build one).  Without a SQLSTATE the failure is a client-side or
 * connection problem: UNAVAILABLE when the connection is gone, else
 * INTERNAL.
 */
gps_status
gpsi_error_from_result(gps_error *err, const PGresult *res, PGconn *conn)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	gps_status	cat;

	if (msg == NULL)
		msg = res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) : PQerrorMessage(conn);
	if (state != NULL)
		cat = gps_sqlstate_category(state);
	else
		cat = (conn == NULL || PQstatus(conn) == CONNECTION_BAD) ? GPS_UNAVAILABLE : GPS_INTERNAL;
	if (cat == GPS_OK)
		cat = GPS_INTERNAL;
	if (err == NULL)
		return cat;
	gpsi_error_clear(err);
	err->category = cat;
	copy_trimmed(err->sqlstate, sizeof(err->sqlstate), state);
	copy_trimmed(err->message, sizeof(err->message), msg);
	if (res)
	{
		copy_trimmed(err->detail, sizeof(err->detail), PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
		copy_trimmed(err->hint, sizeof(err->hint), PQresultErrorField(res, PG_DIAG_MESSAGE_HINT));
	}
	return cat;
}
