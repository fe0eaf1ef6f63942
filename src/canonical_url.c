/*
 * canonical_url.c
 *     gitproxy.canonical_remote_url(text): a C port of git-proxy's
 *     canonicalRemoteUrl (src/activity/canonicalRemoteUrl.ts, contract §6.2).
 *
 * The TypeScript original trims the input (JavaScript whitespace), parses it
 * with the WHATWG URL parser (Node's URL) and
 *   - for http and https URLs returns host[:port]/path lower-cased, where host
 *     is the parser's hostname (IDNA applied, IPv4 normalised, IPv6 in
 *     brackets), port is empty for the scheme's default, and path is the
 *     parser's pathname (percent-encoded, dot segments resolved, backslashes
 *     as slashes) without leading and trailing slashes and without one
 *     trailing ".git" (any case); user-info, query and fragment are dropped;
 *   - for any other URL returns the trimmed input lower-cased;
 *   - when parsing fails, turns git@host:path into host/path (same path
 *     clean-up) and returns anything else lower-cased.
 *
 * Only the http/https branch needs the WHATWG parser: an input whose scheme
 * is anything else gives the lower-cased input whether or not the parser
 * accepts it, and an input starting with "git@" never has a valid scheme.
 * So this file implements the WHATWG "basic URL parser" for special schemes
 * without a base URL, as far as it decides hostname, port and pathname.
 *
 * Lower-casing and IDNA (UTS #46 ToASCII with the WHATWG options) use ICU
 * when PostgreSQL was built with it.  Without ICU, non-ASCII letters are not
 * lower-cased, a host with non-ASCII characters counts as a parse failure,
 * and "xn--" labels are lower-cased without being validated; ASCII URLs, the
 * only ones seen in practice, give identical keys either way.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#ifdef USE_ICU
#include <unicode/uidna.h>
#endif

#include "canonical_url.h"
#include "compat.h"
#include "unicode_case.h"

PG_FUNCTION_INFO_V1(gps_canonical_remote_url_sql);

/* ---------------------------------------------------------------------------
 * UTF-8 helpers
 */

/* Decode the code point at s[*i] (valid UTF-8), advancing *i. */
static pg_wchar
utf8_next(const unsigned char *s, int len, int *i)
{
	unsigned char c = s[*i];
	int			n = (c < 0x80) ? 1 : (c < 0xE0) ? 2 : (c < 0xF0) ? 3 : 4;
	pg_wchar	cp = (n == 1) ? c : (n == 2) ? (c & 0x1F) : (n == 3) ? (c & 0x0F) : (c & 0x07);

	if (*i + n > len)
		n = len - *i;
	for (int k = 1; k < n; k++)
		cp = (cp << 6) | (s[*i + k] & 0x3F);
	*i += n;
	return cp;
}

/* Start of the code point that ends just before s[end]. */
static int
utf8_prev_start(const unsigned char *s, int end)
{
	int			i = end - 1;

	while (i > 0 && (s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/* ECMAScript WhiteSpace and LineTerminator (String.prototype.trim). */
static bool
is_js_space(pg_wchar c)
{
	switch (c)
	{
		case 0x09:
		case 0x0A:
		case 0x0B:
		case 0x0C:
		case 0x0D:
		case 0x20:
		case 0xA0:
		case 0x1680:
		case 0x2028:
		case 0x2029:
		case 0x202F:
		case 0x205F:
		case 0x3000:
		case 0xFEFF:
			return true;
		default:
			return c >= 0x2000 && c <= 0x200A;
	}
}

static inline bool
is_ascii_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
is_ascii_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
ascii_lower_inplace(char *s, int len)
{
	for (int i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char) (s[i] + ('a' - 'A'));
}

/* ---------------------------------------------------------------------------
 * WHATWG host parsing (special schemes)
 */

/* WHATWG "forbidden domain code point" (ASCII only; the input is ASCII). */
static bool
is_forbidden_domain_char(unsigned char c)
{
	if (c <= 0x20 || c == 0x7F)
		return true;
	return strchr("#%/:<>?@[\\]^|", c) != NULL;
}

/*
 * WHATWG IPv4 number parser on s[0..len): 0x/0X prefix = hex, leading 0 =
 * octal.  Returns false on failure; values are capped so that anything too
 * large stays too large.
 */
static bool
ipv4_number(const char *s, int len, uint64 *out)
{
	int			radix = 10;
	uint64		v = 0;

	if (len == 0)
		return false;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
	{
		radix = 16;
		s += 2;
		len -= 2;
	}
	else if (len >= 2 && s[0] == '0')
	{
		radix = 8;
		s += 1;
		len -= 1;
	}
	for (int i = 0; i < len; i++)
	{
		int			d = hex_value((unsigned char) s[i]);

		if (d < 0 || d >= radix)
			return false;
		v = v * radix + d;
		if (v > ((uint64) 1 << 40))
			v = ((uint64) 1 << 40) + 1;
	}
	*out = v;
	return true;
}

/* WHATWG "ends in a number" on an ASCII domain. */
static bool
ends_in_number(const char *s, int len)
{
	int			end = len;
	int			start;
	uint64		dummy;
	bool		all_digits = true;

	if (end > 0 && s[end - 1] == '.')
	{
		/* a single empty part: "." alone is not a number */
		if (end == 1)
			return false;
		end--;
	}
	start = end;
	while (start > 0 && s[start - 1] != '.')
		start--;
	if (start == end)
		return false;
	for (int i = start; i < end; i++)
		if (!is_ascii_digit((unsigned char) s[i]))
			all_digits = false;
	if (all_digits)
		return true;
	return ipv4_number(s + start, end - start, &dummy);
}

/* WHATWG IPv4 parser; writes dotted decimal to out. */
static bool
parse_ipv4(const char *s, int len, StringInfo out)
{
	uint64		numbers[4];
	int			n = 0;
	int			start = 0;
	uint64		ipv4;

	if (len > 0 && s[len - 1] == '.')
		len--;					/* one trailing empty part is dropped */
	for (int i = 0; i <= len; i++)
	{
		if (i == len || s[i] == '.')
		{
			if (n == 4)
				return false;
			if (!ipv4_number(s + start, i - start, &numbers[n]))
				return false;
			n++;
			start = i + 1;
		}
	}
	for (int i = 0; i < n - 1; i++)
		if (numbers[i] > 255)
			return false;
	if (numbers[n - 1] >= ((uint64) 1 << (8 * (5 - n))))
		return false;
	ipv4 = numbers[n - 1];
	for (int i = 0; i < n - 1; i++)
		ipv4 += numbers[i] << (8 * (3 - i));
	appendStringInfo(out, "%u.%u.%u.%u",
					 (unsigned) (ipv4 >> 24) & 0xFF, (unsigned) (ipv4 >> 16) & 0xFF,
					 (unsigned) (ipv4 >> 8) & 0xFF, (unsigned) ipv4 & 0xFF);
	return true;
}

/* WHATWG IPv6 parser and serializer; s is the text between the brackets. */
static bool
parse_ipv6(const char *s, int len, StringInfo out)
{
	uint16		address[8] = {0};
	int			piece = 0;
	int			compress = -1;
	int			p = 0;
	int			best = -1;
	int			bestlen = 1;
	bool		ignore0 = false;

#define C(k) ((k) < len ? (unsigned char) s[k] : 0)

	if (C(p) == ':')
	{
		if (C(p + 1) != ':')
			return false;
		p += 2;
		piece++;
		compress = piece;
	}
	while (p < len)
	{
		int			value = 0;
		int			length = 0;

		if (piece == 8)
			return false;
		if (C(p) == ':')
		{
			if (compress != -1)
				return false;
			p++;
			piece++;
			compress = piece;
			continue;
		}
		while (length < 4 && p < len && hex_value(C(p)) >= 0)
		{
			value = value * 16 + hex_value(C(p));
			p++;
			length++;
		}
		if (p < len && C(p) == '.')
		{
			int			seen = 0;

			if (length == 0)
				return false;
			p -= length;
			if (piece > 6)
				return false;
			while (p < len)
			{
				int			v4 = -1;

				if (seen > 0)
				{
					if (C(p) == '.' && seen < 4)
						p++;
					else
						return false;
				}
				if (p >= len || !is_ascii_digit(C(p)))
					return false;
				while (p < len && is_ascii_digit(C(p)))
				{
					int			d = C(p) - '0';

					if (v4 == -1)
						v4 = d;
					else if (v4 == 0)
						return false;
					else
						v4 = v4 * 10 + d;
					if (v4 > 255)
						return false;
					p++;
				}
				address[piece] = (uint16) (address[piece] * 0x100 + v4);
				seen++;
				if (seen == 2 || seen == 4)
					piece++;
			}
			if (seen != 4)
				return false;
			break;
		}
		else if (p < len && C(p) == ':')
		{
			p++;
			if (p >= len)
				return false;
		}
		else if (p < len)
			return false;
		address[piece] = (uint16) value;
		piece++;
	}
	if (compress != -1)
	{
		int			swaps = piece - compress;

		piece = 7;
		while (piece != 0 && swaps > 0)
		{
			uint16		t = address[piece];

			address[piece] = address[compress + swaps - 1];
			address[compress + swaps - 1] = t;
			piece--;
			swaps--;
		}
	}
	else if (piece != 8)
		return false;
#undef C

	/* serializer: compress the first longest run of two or more zeros */
	for (int i = 0; i < 8;)
	{
		int			j = i;

		while (j < 8 && address[j] == 0)
			j++;
		if (j - i > bestlen)
		{
			best = i;
			bestlen = j - i;
		}
		i = (j == i) ? i + 1 : j;
	}
	appendStringInfoChar(out, '[');
	for (int i = 0; i < 8; i++)
	{
		if (ignore0 && address[i] == 0)
			continue;
		ignore0 = false;
		if (best == i)
		{
			appendStringInfoString(out, i == 0 ? "::" : ":");
			ignore0 = true;
			continue;
		}
		appendStringInfo(out, "%x", address[i]);
		if (i != 7)
			appendStringInfoChar(out, ':');
	}
	appendStringInfoChar(out, ']');
	return true;
}

/* Does any dot-separated label of the ASCII string start with "xn--"? */
static bool
has_ace_label(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		if ((i == 0 || s[i - 1] == '.') && len - i >= 4 &&
			pg_strncasecmp(s + i, "xn--", 4) == 0)
			return true;
	return false;
}

/*
 * WHATWG "domain to ASCII" with beStrict false: UTS #46 ToASCII with
 * CheckHyphens, VerifyDnsLength and UseSTD3ASCIIRules off, CheckBidi and
 * CheckJoiners on, nontransitional.  ASCII input without "xn--" labels is
 * only lower-cased (the spec's shortcut).  Appends to out or returns false.
 */
static bool
domain_to_ascii(const char *s, int len, StringInfo out)
{
	bool		ascii = true;

	for (int i = 0; i < len; i++)
		if ((unsigned char) s[i] >= 0x80)
			ascii = false;
	if (ascii && !has_ace_label(s, len))
	{
		int			start = out->len;

		appendBinaryStringInfo(out, s, len);
		ascii_lower_inplace(out->data + start, len);
		return true;
	}
#ifdef USE_ICU
	{
		static UIDNA *idna = NULL;
		UErrorCode	status = U_ZERO_ERROR;
		UIDNAInfo	info = UIDNA_INFO_INITIALIZER;
		int32_t		cap = len * 4 + 64;
		char	   *buf = palloc(cap);
		int32_t		n;
		const uint32 ignored = UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
			UIDNA_ERROR_DOMAIN_NAME_TOO_LONG | UIDNA_ERROR_LEADING_HYPHEN |
			UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4;

		if (idna == NULL)
		{
			idna = uidna_openUTS46(UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ |
								   UIDNA_NONTRANSITIONAL_TO_ASCII, &status);
			if (U_FAILURE(status))
			{
				idna = NULL;
				ereport(ERROR,
						(errcode(ERRCODE_INTERNAL_ERROR),
						 errmsg("could not open ICU IDNA: %s", u_errorName(status))));
			}
		}
		n = uidna_nameToASCII_UTF8(idna, s, len, buf, cap, &info, &status);
		if (status == U_BUFFER_OVERFLOW_ERROR)
		{
			status = U_ZERO_ERROR;
			cap = n + 1;
			buf = repalloc(buf, cap);
			info = (UIDNAInfo) UIDNA_INFO_INITIALIZER;
			n = uidna_nameToASCII_UTF8(idna, s, len, buf, cap, &info, &status);
		}
		if (U_FAILURE(status) || (info.errors & ~ignored) != 0 || n == 0)
			return false;
		appendBinaryStringInfo(out, buf, n);
		pfree(buf);
		return true;
	}
#else
	if (!ascii)
		return false;
	{
		int			start = out->len;

		appendBinaryStringInfo(out, s, len);
		ascii_lower_inplace(out->data + start, len);
		return true;
	}
#endif
}

/* WHATWG host parser for a special scheme (not file); appends the host. */
static bool
parse_host(const char *s, int len, StringInfo out)
{
	StringInfoData decoded;
	StringInfoData ascii;

	if (len == 0)
		return false;
	if (s[0] == '[')
	{
		if (s[len - 1] != ']' || len < 2)
			return false;
		return parse_ipv6(s + 1, len - 2, out);
	}

	/* percent-decode, then the bytes must be UTF-8 (else U+FFFD: invalid) */
	initStringInfo(&decoded);
	for (int i = 0; i < len; i++)
	{
		if (s[i] == '%' && i + 2 < len &&
			hex_value((unsigned char) s[i + 1]) >= 0 &&
			hex_value((unsigned char) s[i + 2]) >= 0)
		{
			appendStringInfoChar(&decoded, (char) (hex_value((unsigned char) s[i + 1]) * 16 +
												   hex_value((unsigned char) s[i + 2])));
			i += 2;
		}
		else
			appendStringInfoChar(&decoded, s[i]);
	}
	if (memchr(decoded.data, '\0', decoded.len) != NULL ||
		!pg_verify_mbstr(PG_UTF8, decoded.data, decoded.len, true))
		return false;

	initStringInfo(&ascii);
	if (!domain_to_ascii(decoded.data, decoded.len, &ascii) || ascii.len == 0)
		return false;
	for (int i = 0; i < ascii.len; i++)
		if (is_forbidden_domain_char((unsigned char) ascii.data[i]) ||
			(unsigned char) ascii.data[i] >= 0x80)
			return false;
	if (ends_in_number(ascii.data, ascii.len))
		return parse_ipv4(ascii.data, ascii.len, out);
	appendBinaryStringInfo(out, ascii.data, ascii.len);
	return true;
}

/* ---------------------------------------------------------------------------
 * Path handling
 */

/* WHATWG path percent-encode set, applied to one byte of UTF-8. */
static bool
in_path_encode_set(unsigned char c)
{
	if (c < 0x20 || c >= 0x7F)
		return true;
	return strchr(" \"#<>?`{}", c) != NULL;
}

static bool
is_single_dot(const char *s, int len)
{
	return (len == 1 && s[0] == '.') ||
		(len == 3 && pg_strncasecmp(s, "%2e", 3) == 0);
}

static bool
is_double_dot(const char *s, int len)
{
	if (len == 2)
		return s[0] == '.' && s[1] == '.';
	if (len == 4)
		return (s[0] == '.' && pg_strncasecmp(s + 1, "%2e", 3) == 0) ||
			(pg_strncasecmp(s, "%2e", 3) == 0 && s[3] == '.');
	if (len == 6)
		return pg_strncasecmp(s, "%2e%2e", 6) == 0;
	return false;
}

/*
 * The WHATWG path state over s[0..len) (everything between the authority and
 * the first '?' or '#'), writing the pathname ("/seg/seg...") to out.
 */
static void
parse_path(const char *s, int len, StringInfo out)
{
	static const char hex[] = "0123456789ABCDEF";
	StringInfoData buffer;
	int		   *seg_start;		/* offsets of segments in out */
	int			nseg = 0;
	int			p = 0;

	/* path start state: a leading slash or backslash is consumed */
	if (len > 0 && (s[0] == '/' || s[0] == '\\'))
		p = 1;
	seg_start = palloc((len + 2) * sizeof(int));
	initStringInfo(&buffer);
	for (;; p++)
	{
		bool		end = (p >= len);
		unsigned char c = end ? 0 : (unsigned char) s[p];

		if (end || c == '/' || c == '\\')
		{
			if (is_double_dot(buffer.data, buffer.len))
			{
				if (nseg > 0)
				{
					nseg--;
					out->len = seg_start[nseg];
					out->data[out->len] = '\0';
				}
				if (end)
				{
					seg_start[nseg++] = out->len;
					appendStringInfoChar(out, '/');
				}
			}
			else if (is_single_dot(buffer.data, buffer.len))
			{
				if (end)
				{
					seg_start[nseg++] = out->len;
					appendStringInfoChar(out, '/');
				}
			}
			else
			{
				seg_start[nseg++] = out->len;
				appendStringInfoChar(out, '/');
				appendBinaryStringInfo(out, buffer.data, buffer.len);
			}
			resetStringInfo(&buffer);
			if (end)
				break;
		}
		else if (in_path_encode_set(c))
		{
			appendStringInfoChar(&buffer, '%');
			appendStringInfoChar(&buffer, hex[c >> 4]);
			appendStringInfoChar(&buffer, hex[c & 0xF]);
		}
		else
			appendStringInfoChar(&buffer, (char) c);
	}
	pfree(buffer.data);
	pfree(seg_start);
}

/*
 * normalizeRepoPathForMatch: strip all leading and trailing '/', then one
 * trailing ".git" in any ASCII case.  (JavaScript compares the lower-cased
 * string, but no other code point lower-cases to a string ending in ".git".)
 * Appends the result to out.
 */
static void
append_repo_path(StringInfo out, const char *s, int len)
{
	while (len > 0 && s[0] == '/')
	{
		s++;
		len--;
	}
	while (len > 0 && s[len - 1] == '/')
		len--;
	if (len >= 4 && pg_strncasecmp(s + len - 4, ".git", 4) == 0)
		len -= 4;
	appendBinaryStringInfo(out, s, len);
}

/* ---------------------------------------------------------------------------
 * The URL branch: true and the key in out when s parses as an http or https
 * URL.
 */
static bool
http_key(const char *in, int inlen, StringInfo out)
{
	StringInfoData u;
	const char *s;
	int			len;
	int			p;
	int			default_port;
	int			auth_start,
				auth_end,
				hp_start,
				host_end;
	bool		at_seen = false;
	bool		in_brackets = false;
	long		port = -1;
	int			path_end;
	StringInfoData path;

	/* strip leading and trailing C0 control or space; drop tab and newline */
	while (inlen > 0 && (unsigned char) in[0] <= 0x20)
	{
		in++;
		inlen--;
	}
	while (inlen > 0 && (unsigned char) in[inlen - 1] <= 0x20)
		inlen--;
	initStringInfo(&u);
	for (int i = 0; i < inlen; i++)
		if (in[i] != '\t' && in[i] != '\n' && in[i] != '\r')
			appendStringInfoChar(&u, in[i]);
	s = u.data;
	len = u.len;

	/* scheme */
	if (len == 0 || !is_ascii_alpha((unsigned char) s[0]))
		return false;
	p = 1;
	while (p < len && (is_ascii_alpha((unsigned char) s[p]) || is_ascii_digit((unsigned char) s[p]) ||
					   s[p] == '+' || s[p] == '-' || s[p] == '.'))
		p++;
	if (p >= len || s[p] != ':')
		return false;
	if (p == 4 && pg_strncasecmp(s, "http", 4) == 0)
		default_port = 80;
	else if (p == 5 && pg_strncasecmp(s, "https", 5) == 0)
		default_port = 443;
	else
		return false;
	p++;

	/* special authority (ignore) slashes */
	while (p < len && (s[p] == '/' || s[p] == '\\'))
		p++;

	/* authority: up to '/', '\', '?' or '#'; credentials before the last '@' */
	auth_start = p;
	while (p < len && s[p] != '/' && s[p] != '\\' && s[p] != '?' && s[p] != '#')
		p++;
	auth_end = p;
	hp_start = auth_start;
	for (int i = auth_start; i < auth_end; i++)
		if (s[i] == '@')
		{
			at_seen = true;
			hp_start = i + 1;
		}
	if (at_seen && hp_start == auth_end)
		return false;

	/* host, then port after a ':' outside brackets */
	host_end = hp_start;
	while (host_end < auth_end)
	{
		if (s[host_end] == '[')
			in_brackets = true;
		else if (s[host_end] == ']')
			in_brackets = false;
		else if (s[host_end] == ':' && !in_brackets)
			break;
		host_end++;
	}
	if (host_end == hp_start)
		return false;
	if (host_end < auth_end)
	{
		for (int i = host_end + 1; i < auth_end; i++)
		{
			if (!is_ascii_digit((unsigned char) s[i]))
				return false;
			port = (port < 0 ? 0 : port) * 10 + (s[i] - '0');
			if (port > 65535)
				return false;
		}
		if (port == default_port)
			port = -1;
	}
	if (!parse_host(s + hp_start, host_end - hp_start, out))
		return false;
	if (port >= 0)
		appendStringInfo(out, ":%ld", port);

	/* pathname, then the repo path clean-up */
	path_end = auth_end;
	while (path_end < len && s[path_end] != '?' && s[path_end] != '#')
		path_end++;
	initStringInfo(&path);
	parse_path(s + auth_end, path_end - auth_end, &path);
	appendStringInfoChar(out, '/');
	append_repo_path(out, path.data, path.len);
	ascii_lower_inplace(out->data, out->len);
	return true;
}

/*
 * The fallback for input the URL parser rejects: /^git@([^:]+):(.+)$/iu.
 * "." does not match the ECMAScript line terminators.
 */
static bool
git_at_key(const char *s, int len, StringInfo out)
{
	const char *colon;
	const char *path;
	int			pathlen;
	int			hostlen;
	int			n;
	char	   *lower;

	if (len < 4 || pg_strncasecmp(s, "git@", 4) != 0)
		return false;
	colon = memchr(s + 4, ':', len - 4);
	if (colon == NULL || colon == s + 4)
		return false;
	path = colon + 1;
	pathlen = len - (path - s);
	if (pathlen == 0)
		return false;
	for (int i = 0; i < pathlen; i++)
	{
		unsigned char c = (unsigned char) path[i];

		if (c == '\n' || c == '\r')
			return false;
		/* U+2028, U+2029 */
		if (c == 0xE2 && i + 2 < pathlen && (unsigned char) path[i + 1] == 0x80 &&
			((unsigned char) path[i + 2] == 0xA8 || (unsigned char) path[i + 2] == 0xA9))
			return false;
	}
	hostlen = colon - (s + 4);
	{
		StringInfoData raw;

		initStringInfo(&raw);
		appendBinaryStringInfo(&raw, s + 4, hostlen);
		appendStringInfoChar(&raw, '/');
		append_repo_path(&raw, path, pathlen);
		lower = gps_utf8_lower(raw.data, raw.len, &n);
		appendBinaryStringInfo(out, lower, n);
	}
	return true;
}

char *
gps_canonical_remote_url(const char *sin, int sinlen)
{
	const unsigned char *s;
	int			len;
	int			start = 0;
	int			end;
	StringInfoData out;
	char	   *result;

	/* work in UTF-8 whatever the database encoding */
	s = (const unsigned char *) pg_server_to_any(sin, sinlen, PG_UTF8);
	len = (s == (const unsigned char *) sin) ? sinlen : (int) strlen((const char *) s);

	/* String.prototype.trim */
	while (start < len)
	{
		int			i = start;

		if (!is_js_space(utf8_next(s, len, &i)))
			break;
		start = i;
	}
	end = len;
	while (end > start)
	{
		int			i = utf8_prev_start(s, end);
		int			j = i;

		if (!is_js_space(utf8_next(s, end, &j)))
			break;
		end = i;
	}
	if (end == start)
		return pstrdup("");

	initStringInfo(&out);
	if (!http_key((const char *) s + start, end - start, &out))
	{
		resetStringInfo(&out);
		if (!git_at_key((const char *) s + start, end - start, &out))
		{
			int			n;
			char	   *lower = gps_utf8_lower((const char *) s + start, end - start, &n);

			resetStringInfo(&out);
			appendBinaryStringInfo(&out, lower, n);
		}
	}
	result = pg_any_to_server(out.data, out.len, PG_UTF8);
	if (result == out.data)
		return result;
	pfree(out.data);
	return result;
}

/*
 * gitproxy.canonical_remote_url(url text) -> text
 *     git-proxy's canonicalRemoteUrl (contract §6.2): the key matching push
 *     and repo URLs.  '' for blank input.  IMMUTABLE STRICT PARALLEL SAFE.
 */
Datum
gps_canonical_remote_url_sql(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(gps_canonical_remote_url(VARDATA_ANY(t),
															  VARSIZE_ANY_EXHDR(t))));
}
