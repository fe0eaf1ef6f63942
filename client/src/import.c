/*
 * import.c - gitproxy-sink import [--kind pushes|users|repos] [--batch N]
 * [--quiet] FILE...
 *
 * Reads JSON-lines files (plain or gzip: zlib recognises gzip by its magic
 * bytes 1f 8b and reads anything else as it is; "-" is standard input),
 * checks every line locally (valid UTF-8, one JSON object, no NUL byte) and
 * imports the records in batches of N lines with gps_import_batch: COPY into
 * the connection's staging table and one set-based merge per batch, in one
 * transaction, so a batch is applied whole or not at all.
 *
 * A malformed line is reported as FILE:LINE: message; the batch holding it
 * is not sent, the other batches are, and the run ends with the exit code of
 * INVALID_INPUT.  A batch the server refuses for its data (INVALID_INPUT,
 * CONFLICT: the error names the line) is reported the same way and skipped;
 * any other server error (connection, permission, internal) stops the run.
 * Re-running a file is harmless, so the fix is: correct the lines, run again.
 *
 * A reader thread reads, checks and batches the lines while the main thread
 * sends the batch before (two batches in turn), so the client's work
 * overlaps the server's merge.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cli.h"

#define DEFAULT_BATCH 2000
#define MAX_BATCH 1000000
/* a batch is also sent once its lines hold this many bytes */
#define MAX_BATCH_BYTES ((size_t) 64 * 1024 * 1024)
#define READ_CHUNK (1024 * 1024)

/* ---- one batch of lines ---- */
typedef struct batch
{
	char	   *arena;			/* the lines, each NUL-terminated */
	size_t		len;
	size_t		cap;
	size_t	   *off;			/* start of line i in arena */
	int64_t    *line_nos;
	const char **docs;			/* built when sent */
	size_t		n;
	size_t		cap_n;
	int64_t		first_line;
	int64_t		last_line;
	int64_t		bad_line;		/* first malformed line, 0 if none */
} batch;

/* ---- the state of one run ----
 * A reader thread reads, checks and batches the lines of a file while the
 * main thread sends the previous batch (two batches in turn), so reading
 * and the server's merge overlap. */
typedef struct run_state
{
	cli_ctx    *ctx;
	gps_import_kind kind;
	size_t		batch_size;
	bool		quiet;
	atomic_bool stop;			/* an error that ends the run */
	/* under mu: */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int			rc;				/* first failure's exit code */
	batch	   *full;			/* filled by the reader, not yet sent */
	batch	   *spare;			/* free for the reader */
	bool		reader_done;
	/* reader thread only (read by the main thread after joining it): */
	batch	   *cur;			/* being filled */
	gzFile		gz;
	bool		read_failed;	/* the file could not be read to its end */
	/* per file */
	const char *name;
	int64_t		records;		/* records of applied batches */
	int64_t		inserted;
	int64_t		updated;
	int64_t		failed_records; /* records of batches not applied */
	int64_t		failed_batches;
	struct timespec start;
} run_state;

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) (t.tv_sec - t0->tv_sec) + (double) (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
fail(run_state *rs, int code)
{
	pthread_mutex_lock(&rs->mu);
	if (rs->rc == CLI_EXIT_OK)
		rs->rc = code;
	pthread_mutex_unlock(&rs->mu);
}

static void
stop_run(run_state *rs)
{
	pthread_mutex_lock(&rs->mu);
	atomic_store(&rs->stop, true);
	pthread_cond_broadcast(&rs->cv);
	pthread_mutex_unlock(&rs->mu);
}

/* reader: hand the filled batch to the sender and take the spare one;
 * false when the run stops */
static bool
hand_over(run_state *rs)
{
	bool		ok;

	pthread_mutex_lock(&rs->mu);
	while (rs->full != NULL && !atomic_load(&rs->stop))
		pthread_cond_wait(&rs->cv, &rs->mu);
	if (!atomic_load(&rs->stop))
	{
		rs->full = rs->cur;
		pthread_cond_broadcast(&rs->cv);
		while (rs->spare == NULL && !atomic_load(&rs->stop))
			pthread_cond_wait(&rs->cv, &rs->mu);
		if (rs->spare != NULL)
		{
			rs->cur = rs->spare;
			rs->spare = NULL;
		}
	}
	ok = !atomic_load(&rs->stop);
	pthread_mutex_unlock(&rs->mu);
	return ok;
}

static bool
batch_add(batch *b, const char *line, size_t len, int64_t line_no)
{
	if (b->n == b->cap_n)
	{
		size_t		cap = b->cap_n ? b->cap_n * 2 : 1024;
		size_t	   *off = realloc(b->off, cap * sizeof(size_t));

		if (off == NULL)
			return false;
		b->off = off;
		{
			int64_t    *nos = realloc(b->line_nos, cap * sizeof(int64_t));

			if (nos == NULL)
				return false;
			b->line_nos = nos;
		}
		{
			const char **docs = realloc(b->docs, cap * sizeof(char *));

			if (docs == NULL)
				return false;
			b->docs = docs;
		}
		b->cap_n = cap;
	}
	if (b->len + len + 1 > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 1024 * 1024;
		char	   *a;

		while (cap < b->len + len + 1)
			cap *= 2;
		a = realloc(b->arena, cap);
		if (a == NULL)
			return false;
		b->arena = a;
		b->cap = cap;
	}
	memcpy(b->arena + b->len, line, len);
	b->arena[b->len + len] = '\0';
	b->off[b->n] = b->len;
	b->line_nos[b->n] = line_no;
	b->len += len + 1;
	if (b->n == 0)
		b->first_line = line_no;
	b->last_line = line_no;
	b->n++;
	return true;
}

static void
batch_reset(batch *b)
{
	b->len = 0;
	b->n = 0;
	b->first_line = b->last_line = b->bad_line = 0;
}

static void
batch_free(batch *b)
{
	free(b->arena);
	free(b->off);
	free(b->line_nos);
	free(b->docs);
	memset(b, 0, sizeof(*b));
}

/* ---- line checks ---- */

/* offset of the first byte that is not valid UTF-8 (as PostgreSQL checks
 * it: no overlong forms, no surrogates, at most U+10FFFF), or -1 */
static long
utf8_invalid_at(const unsigned char *s, size_t len)
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

/*
 * Check one line (without its line break); NULL if it is one JSON object,
 * else why not (in msg).  Raw CR bytes, which valid JSON only has as
 * white space, become spaces so that the line cannot break the COPY
 * framing.
 */
static const char *
check_line(char *line, size_t len, char *msg, size_t msglen)
{
	long		bad;
	const char *p;

	if (memchr(line, '\0', len) != NULL)
	{
		snprintf(msg, msglen, "NUL byte at offset %ld (not valid JSON)",
				 (long) ((char *) memchr(line, '\0', len) - line));
		return msg;
	}
	if ((bad = utf8_invalid_at((const unsigned char *) line, len)) >= 0)
	{
		snprintf(msg, msglen, "invalid UTF-8 at offset %ld", bad);
		return msg;
	}
	if (cli_json_validate(line, msg + 16, msglen - 16) != 0)
	{
		memcpy(msg, "not valid JSON: ", 16);
		return msg;
	}
	for (p = line; *p == ' ' || *p == '\t' || *p == '\r'; p++)
		;
	if (*p != '{')
	{
		snprintf(msg, msglen, "not a JSON object");
		return msg;
	}
	for (char *q = memchr(line, '\r', len); q != NULL; q = memchr(q, '\r', len - (size_t) (q - line)))
		*q = ' ';
	return NULL;
}

/* ---- sending ---- */

static void
report_server_error(run_state *rs, const batch *b, gps_status st, const gps_error *e,
					int64_t line)
{
	if (line > 0)
		fprintf(stderr, "%s:%" PRId64 ": ", rs->name, line);
	else
		fprintf(stderr, "%s: lines %" PRId64 "-%" PRId64 ": ", rs->name, b->first_line,
				b->last_line);
	if (e->sqlstate[0])
		fprintf(stderr, "%s (SQLSTATE %s): %s\n", gps_status_name(st), e->sqlstate, e->message);
	else
		fprintf(stderr, "%s: %s\n", gps_status_name(st), e->message);
	if (e->detail[0])
		fprintf(stderr, "DETAIL: %s\n", e->detail);
	if (e->hint[0])
		fprintf(stderr, "HINT: %s\n", e->hint);
}

static void
not_applied(run_state *rs, const batch *b, const char *why)
{
	rs->failed_records += (int64_t) b->n;
	rs->failed_batches++;
	fprintf(stderr, "%s: %s: batch of lines %" PRId64 "-%" PRId64 " (%zu records) not imported: %s\n",
			rs->ctx->prog, rs->name, b->first_line, b->last_line, b->n, why);
}

static void
send_batch(run_state *rs, batch *b)
{
	gps_error	e;
	gps_status	st;
	int64_t		ins,
				upd,
				line;

	if (b->n == 0)
		return;
	if (b->bad_line)
	{
		not_applied(rs, b, "it holds a malformed line");
		batch_reset(b);
		return;
	}
	for (size_t i = 0; i < b->n; i++)
		b->docs[i] = b->arena + b->off[i];
	st = gps_import_batch(rs->ctx->client, rs->kind, b->docs, b->line_nos, b->n, &ins, &upd,
						  &line, &e);
	if (st != GPS_OK)
	{
		report_server_error(rs, b, st, &e, line);
		fail(rs, CLI_EXIT_CATEGORY(st));
		if (st == GPS_INVALID_INPUT || st == GPS_CONFLICT)
			not_applied(rs, b, "the server refused it");
		else
		{
			not_applied(rs, b, "import stopped");
			stop_run(rs);
		}
		batch_reset(b);
		return;
	}
	rs->records += (int64_t) b->n;
	rs->inserted += ins;
	rs->updated += upd;
	if (!rs->quiet)
	{
		double		s = seconds_since(&rs->start);

		fprintf(stderr, "%s: %s: %" PRId64 " %s imported (up to line %" PRId64 "), %.1f s, %.0f records/s\n",
				rs->ctx->prog, rs->name, rs->records, gps_import_kind_name(rs->kind), b->last_line,
				s, s > 0 ? (double) rs->records / s : 0.0);
	}
	batch_reset(b);
}

/* ---- reading ---- */

/* one line read (without its line break): check it and batch it */
static bool
take_line(run_state *rs, char *line, size_t len, int64_t line_no)
{
	batch	   *b = rs->cur;
	char		msg[320];
	size_t		i;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
		;
	if (i == len)
		return true;			/* blank line */
	line[len] = '\0';
	if (check_line(line, len, msg, sizeof(msg)) != NULL)
	{
		fprintf(stderr, "%s:%" PRId64 ": %s\n", rs->name, line_no, msg);
		fail(rs, CLI_EXIT_CATEGORY(GPS_INVALID_INPUT));
		if (!b->bad_line)
			b->bad_line = line_no;
		len = 0;				/* keep its place in the batch, not its text */
	}
	if (!batch_add(b, line, len, line_no))
	{
		fprintf(stderr, "%s: %s: out of memory\n", rs->ctx->prog, rs->name);
		rs->read_failed = true;
		return false;
	}
	if (b->n >= rs->batch_size || b->len >= MAX_BATCH_BYTES)
		return hand_over(rs);
	return !atomic_load(&rs->stop);
}

/* the reader thread: read the whole file, batching its lines */
static void *
read_file(void *arg)
{
	run_state  *rs = arg;
	gzFile		gz = rs->gz;
	char	   *chunk = malloc(READ_CHUNK);
	char	   *line = NULL;	/* a line spanning chunks */
	size_t		line_len = 0,
				line_cap = 0;
	int64_t		line_no = 0;
	bool		ok = true;

	if (chunk == NULL)
		ok = false;
	while (ok)
	{
		int			got = gzread(gz, chunk, READ_CHUNK);
		char	   *p,
				   *end;

		if (got < 0)
		{
			int			zerr;
			const char *msg = gzerror(gz, &zerr);

			fprintf(stderr, "%s: %s: cannot read: %s\n", rs->ctx->prog, rs->name,
					zerr == Z_ERRNO ? strerror(errno) :
					zerr == Z_BUF_ERROR ? "truncated gzip data (unexpected end of file)" : msg);
			ok = false;
			break;
		}
		if (got == 0)
		{
			int			zerr;
			const char *msg = gzerror(gz, &zerr);

			if (zerr != Z_OK)
			{
				fprintf(stderr, "%s: %s: cannot read: %s\n", rs->ctx->prog, rs->name,
						zerr == Z_BUF_ERROR ? "truncated gzip data (unexpected end of file)" : msg);
				ok = false;
			}
			break;
		}
		p = chunk;
		end = chunk + got;
		while (p < end && !rs->read_failed && !atomic_load(&rs->stop))
		{
			char	   *nl = memchr(p, '\n', (size_t) (end - p));
			size_t		n = (size_t) ((nl ? nl : end) - p);

			if (nl != NULL && line_len == 0)
			{
				/* a whole line inside the chunk: no copy */
				*nl = '\0';
				if (!take_line(rs, p, n, ++line_no))
					break;
			}
			else
			{
				if (line_len + n + 1 > line_cap)
				{
					size_t		cap = line_cap ? line_cap : 65536;
					char	   *g;

					while (cap < line_len + n + 1)
						cap *= 2;
					g = realloc(line, cap);
					if (g == NULL)
					{
						fprintf(stderr, "%s: %s: out of memory\n", rs->ctx->prog, rs->name);
						ok = false;
						break;
					}
					line = g;
					line_cap = cap;
				}
				memcpy(line + line_len, p, n);
				line_len += n;
				if (nl != NULL)
				{
					if (!take_line(rs, line, line_len, ++line_no))
						break;
					line_len = 0;
				}
			}
			p += n + (nl ? 1 : 0);
		}
		if (atomic_load(&rs->stop) || rs->read_failed || !ok)
			break;
	}
	if (ok && !rs->read_failed && !atomic_load(&rs->stop) && line_len > 0)
		take_line(rs, line, line_len, ++line_no);	/* no final line break */
	if (ok && !rs->read_failed && !atomic_load(&rs->stop) && rs->cur->n > 0)
		hand_over(rs);
	free(line);
	free(chunk);
	if (!ok)
		rs->read_failed = true;
	if (rs->read_failed)
		fail(rs, CLI_EXIT_IO);
	/* batches handed over before a read error are still sent */
	pthread_mutex_lock(&rs->mu);
	rs->reader_done = true;
	pthread_cond_broadcast(&rs->cv);
	pthread_mutex_unlock(&rs->mu);
	return NULL;
}

/* the main thread: send the batches the reader hands over, in turn */
static void
send_batches(run_state *rs)
{
	for (;;)
	{
		batch	   *b;

		pthread_mutex_lock(&rs->mu);
		while (rs->full == NULL && !rs->reader_done && !atomic_load(&rs->stop))
			pthread_cond_wait(&rs->cv, &rs->mu);
		b = rs->full;
		rs->full = NULL;
		pthread_cond_broadcast(&rs->cv);
		pthread_mutex_unlock(&rs->mu);
		if (b == NULL || atomic_load(&rs->stop))
			break;
		send_batch(rs, b);
		pthread_mutex_lock(&rs->mu);
		rs->spare = b;
		pthread_cond_broadcast(&rs->cv);
		pthread_mutex_unlock(&rs->mu);
	}
}

static void
import_file(run_state *rs, const char *path, gps_import_kind kind)
{
	int			fd;
	batch		slots[2];
	pthread_t	reader;
	double		s;

	rs->kind = kind;
	rs->name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	rs->records = rs->inserted = rs->updated = rs->failed_records = rs->failed_batches = 0;
	clock_gettime(CLOCK_MONOTONIC, &rs->start);
	fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY);
	if (fd < 0)
	{
		fprintf(stderr, "%s: %s: cannot open: %s\n", rs->ctx->prog, rs->name, strerror(errno));
		fail(rs, CLI_EXIT_IO);
		return;
	}
	rs->gz = gzdopen(fd, "rb");
	if (rs->gz == NULL)
	{
		close(fd);
		fprintf(stderr, "%s: %s: out of memory\n", rs->ctx->prog, rs->name);
		fail(rs, CLI_EXIT_IO);
		return;
	}
	gzbuffer(rs->gz, 256 * 1024);
	memset(slots, 0, sizeof(slots));
	rs->cur = &slots[0];
	rs->spare = &slots[1];
	rs->full = NULL;
	rs->reader_done = false;
	rs->read_failed = false;
	if (pthread_create(&reader, NULL, read_file, rs) != 0)
	{
		fprintf(stderr, "%s: %s: cannot start a thread\n", rs->ctx->prog, rs->name);
		fail(rs, CLI_EXIT_IO);
		rs->read_failed = true;
	}
	else
	{
		send_batches(rs);
		pthread_join(reader, NULL);
	}
	gzclose(rs->gz);
	batch_free(&slots[0]);
	batch_free(&slots[1]);
	if (rs->read_failed)
		stop_run(rs);			/* no further files */

	s = seconds_since(&rs->start);
	printf("imported %" PRId64 " %s (%" PRId64 " inserted, %" PRId64 " updated) from %s in %.2f s "
		   "(%.0f records/s)\n", rs->records, gps_import_kind_name(kind), rs->inserted, rs->updated,
		   rs->name, s, s > 0 ? (double) rs->records / s : 0.0);
	fflush(stdout);
	if (rs->failed_batches > 0)
		fprintf(stderr, "%s: %s: %" PRId64 " records in %" PRId64 " batches NOT imported "
				"(fix the lines reported above and run the import again: re-running is harmless)\n",
				rs->ctx->prog, rs->name, rs->failed_records, rs->failed_batches);
}

/* the kind named by --kind or a file name; -1 if none or ambiguous */
static int
kind_of(const char *s, bool exact)
{
	static const gps_import_kind all[] = {GPS_IMPORT_PUSHES, GPS_IMPORT_USERS, GPS_IMPORT_REPOS};
	int			found = -1;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
	{
		const char *name = gps_import_kind_name(all[i]);

		if (exact ? strcmp(s, name) == 0 : strstr(s, name) != NULL)
		{
			if (found >= 0)
				return -1;
			found = (int) all[i];
		}
	}
	return found;
}

int
cli_import_run(cli_ctx *ctx, int argc, char **argv)
{
	run_state	rs;
	int			given = -1;
	long long	batch_size = DEFAULT_BATCH;
	int		   *kinds;
	bool		stdin_seen = false;
	int			rc;

	memset(&rs, 0, sizeof(rs));
	rs.ctx = ctx;
	atomic_init(&rs.stop, false);
	rs.quiet = ctx->flag[0];
	if (ctx->opt[0] != NULL && (given = kind_of(ctx->opt[0], true)) < 0)
		return cli_usage_error(ctx, "import: --kind must be pushes, users or repos");
	if (ctx->opt[1] != NULL)
	{
		char	   *end;

		errno = 0;
		batch_size = strtoll(ctx->opt[1], &end, 10);
		if (errno != 0 || end == ctx->opt[1] || *end != '\0' || batch_size < 1 || batch_size > MAX_BATCH)
			return cli_usage_error(ctx, "--batch must be an integer between 1 and %d", MAX_BATCH);
	}
	rs.batch_size = (size_t) batch_size;

	/* every file's kind, before anything is imported */
	kinds = calloc((size_t) argc, sizeof(int));
	if (kinds == NULL)
		return CLI_EXIT_IO;
	for (int i = 0; i < argc; i++)
	{
		const char *base = strrchr(argv[i], '/');

		if (strcmp(argv[i], "-") == 0)
		{
			if (stdin_seen)
			{
				free(kinds);
				return cli_usage_error(ctx, "import: standard input (-) can be given once");
			}
			stdin_seen = true;
		}
		kinds[i] = given >= 0 ? given : strcmp(argv[i], "-") == 0 ? -1 : kind_of(base ? base + 1 : argv[i], false);
		if (kinds[i] < 0)
		{
			free(kinds);
			return cli_usage_error(ctx, "import: cannot tell what %s holds from its name; "
								   "give --kind pushes, users or repos",
								   strcmp(argv[i], "-") == 0 ? "standard input" : argv[i]);
		}
	}

	if ((rc = cli_connect(ctx)) != CLI_EXIT_OK)
	{
		free(kinds);
		return rc;
	}
	pthread_mutex_init(&rs.mu, NULL);
	pthread_cond_init(&rs.cv, NULL);
	for (int i = 0; i < argc && !atomic_load(&rs.stop); i++)
		import_file(&rs, argv[i], (gps_import_kind) kinds[i]);
	free(kinds);
	/* ferror: an earlier failed flush (the summary lines) already
	 * discarded what could not be written */
	if (fflush(stdout) != 0 || ferror(stdout))
		fail(&rs, CLI_EXIT_IO);
	pthread_mutex_destroy(&rs.mu);
	pthread_cond_destroy(&rs.cv);
	return rs.rc;
}
