/*
 * unicode_case.c
 *     Root-locale Unicode case mapping (see unicode_case.h).
 */
#include "postgres.h"

#ifdef USE_ICU
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>
#endif

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "compat.h"
#include "unicode_case.h"

#ifdef USE_ICU
static bool
is_ascii(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		if ((unsigned char) s[i] >= 0x80)
			return false;
	return true;
}
#endif

static char *
ascii_lower(const char *s, int len, int *outlen)
{
	char	   *out = palloc(len + 1);

	for (int i = 0; i < len; i++)
	{
		char		c = s[i];

		out[i] = (c >= 'A' && c <= 'Z') ? (char) (c + ('a' - 'A')) : c;
	}
	out[len] = '\0';
	*outlen = len;
	return out;
}

bool
gps_unicode_case_full(void)
{
#ifdef USE_ICU
	return true;
#else
	return false;
#endif
}

#ifdef USE_ICU

static void
icu_check(UErrorCode status, const char *what)
{
	if (U_FAILURE(status))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("ICU %s failed: %s", what, u_errorName(status))));
}

/* UTF-8 -> UTF-16 (palloc'd); length in *ulen. */
static UChar *
utf8_to_utf16(const char *s, int len, int32_t *ulen)
{
	UErrorCode	status = U_ZERO_ERROR;
	UChar	   *buf = palloc((len + 1) * sizeof(UChar));

	u_strFromUTF8(buf, len + 1, ulen, s, len, &status);
	icu_check(status, "UTF-8 conversion");
	return buf;
}

static char *
utf16_to_utf8(const UChar *u, int32_t ulen, int *outlen)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		n;
	char	   *out;

	/* each UTF-16 code unit becomes at most 3 bytes */
	out = palloc(ulen * 3 + 1);
	u_strToUTF8(out, ulen * 3 + 1, &n, u, ulen, &status);
	icu_check(status, "UTF-8 conversion");
	out[n] = '\0';
	*outlen = n;
	return out;
}

#endif							/* USE_ICU */

char *
gps_utf8_lower(const char *s, int len, int *outlen)
{
#ifdef USE_ICU
	if (!is_ascii(s, len) && pg_verify_mbstr(PG_UTF8, s, len, true))
	{
		int32_t		ulen;
		UChar	   *u = utf8_to_utf16(s, len, &ulen);
		UErrorCode	status = U_ZERO_ERROR;
		int32_t		cap = ulen * 3 + 1; /* full mappings grow at most 3x */
		UChar	   *low = palloc(cap * sizeof(UChar));
		int32_t		n;

		n = u_strToLower(low, cap, u, ulen, "", &status);
		icu_check(status, "lower-case mapping");
		return utf16_to_utf8(low, n, outlen);
	}
#endif
	return ascii_lower(s, len, outlen);
}

char *
gps_utf8_fold(const char *s, int len, int *outlen)
{
#ifdef USE_ICU
	if (!is_ascii(s, len) && pg_verify_mbstr(PG_UTF8, s, len, true))
	{
		/* a simple folding stays within 4 UTF-8 bytes per code point */
		char	   *out = palloc(len * 4 + 1);
		int32_t		i = 0;
		int32_t		o = 0;

		while (i < len)
		{
			UChar32		c;
			UBool		err = false;

			U8_NEXT(s, i, len, c);
			if (c < 0)
				ereport(ERROR,
						(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
						 errmsg("invalid UTF-8 in case folding")));
			c = u_foldCase(c, U_FOLD_CASE_DEFAULT);
			U8_APPEND((uint8_t *) out, o, len * 4, c, err);
			if (err)
				elog(ERROR, "case folding overflow");
		}
		out[o] = '\0';
		*outlen = o;
		return out;
	}
#endif
	return ascii_lower(s, len, outlen);
}

char *
gps_server_lower(const char *s, int len)
{
	char	   *utf8 = pg_server_to_any(s, len, PG_UTF8);
	int			ulen = (utf8 == s) ? len : (int) strlen(utf8);
	int			n;
	char	   *lower = gps_utf8_lower(utf8, ulen, &n);

	return pg_any_to_server(lower, n, PG_UTF8);
}

char *
gps_server_fold(const char *s, int len)
{
	char	   *utf8 = pg_server_to_any(s, len, PG_UTF8);
	int			ulen = (utf8 == s) ? len : (int) strlen(utf8);
	int			n;
	char	   *folded = gps_utf8_fold(utf8, ulen, &n);

	return pg_any_to_server(folded, n, PG_UTF8);
}

PG_FUNCTION_INFO_V1(gps_lower_case);

/*
 * gitproxy.lower_case(t text) -> text
 *     JavaScript's String.prototype.toLowerCase (gps_server_lower): the one
 *     lower-casing of usernames, e-mails, permission lists, git accounts
 *     and repo names, stored and looked up, whatever the database locale.
 */
Datum
gps_lower_case(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(gps_server_lower(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t))));
}
