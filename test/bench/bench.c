/*
 * bench.c
 *     Benchmark of gitproxy_sink against git-proxy's current PostgreSQL
 *     design (whole JSON documents in plain jsonb tables, read-modify-write
 *     from the client), in the same cluster.  libpq only; one connection per
 *     client thread.
 *
 *     bench [conninfo]        (default: the PG* environment)
 *
 * Expects the database prepared by test/bench/run (extension created, real
 * pushes imported, schema bench_baseline loaded by test/bench/setup.sql).
 * Prints one table: per operation and client count p50/p99 latency (us),
 * throughput (ops/s), p50 relative to the SELECT 1 floor and throughput
 * relative to the baseline counterpart; then the listing at growing table
 * sizes (synthetic copies of the real pushes), the commitments of issue 6
 * with the measured values, and memory.
 *
 * Environment: BENCH_SECONDS (per cell, default 3), BENCH_CLIENTS ("1,8"),
 * BENCH_SCALES ("10000,100000,1000000"; "" or "0" skips the scale part),
 * BENCH_SCALE_SECONDS (per scale cell, default 2), BENCH_BASELINE_TIMEOUT_S
 * (statement_timeout of one baseline listing at scale, default 60).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <libpq-fe.h>

#define MAX_CLIENTS 64
#define MAX_OPS 32
#define MAX_CLIENT_COUNTS 8

/* ------------------------------------------------------------------ */
/* utilities */

static void
die(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
env_double(const char *name, double dflt)
{
	const char *v = getenv(name);

	return (v && *v) ? atof(v) : dflt;
}

static char *
xstrdup(const char *s)
{
	char	   *r = strdup(s);

	if (!r)
		die("out of memory");
	return r;
}

/* growable string buffer */
typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

static void
buf_reserve(Buf *b, size_t extra)
{
	if (b->len + extra + 1 > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 256;

		while (cap < b->len + extra + 1)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (!b->data)
			die("out of memory");
		b->cap = cap;
	}
}

static void
buf_reset(Buf *b)
{
	b->len = 0;
	buf_reserve(b, 0);
	b->data[0] = '\0';
}

static void
buf_append(Buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
buf_puts(Buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

static void
buf_printf(Buf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_reserve(b, (size_t) n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

static PGconn *
connect_db(const char *conninfo)
{
	PGconn	   *c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK)
		die("connection failed: %s", PQerrorMessage(c));
	return c;
}

/* Run a statement that must succeed; returns the result (caller clears). */
static PGresult *
must(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		die("%s\n  in: %.300s", PQerrorMessage(c), sql);
	return r;
}

static void
must_exec(PGconn *c, const char *sql)
{
	PQclear(must(c, sql));
}

static long long
must_int(PGconn *c, const char *sql)
{
	PGresult   *r = must(c, sql);
	long long	v;

	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
		die("expected one value from: %s", sql);
	v = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static void
prepare(PGconn *c, const char *name, const char *sql, int nparams)
{
	PGresult   *r = PQprepare(c, name, sql, nparams, NULL);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		die("prepare %s: %s", name, PQerrorMessage(c));
	PQclear(r);
}

/* ------------------------------------------------------------------ */
/* shared data */

static char **push_ids;			/* real push ids (get_push) */
static int	n_push_ids;
static char **dec_ids;			/* bench copies of the real pushes (decisions) */
static int	n_dec_ids;
static char **repo_ids;			/* baseline repo ids */
static int	n_repo_ids;
static char *median_doc;		/* json text of the median-size real record */
static size_t median_id_start;	/* offset of the id value in median_doc */
static size_t median_id_end;	/* offset just after it */
static int	bench_run_id;		/* keeps written ids unique across runs */

static const char *ATTESTATION =
"{\"reviewer\": {\"username\": \"bench-reviewer\", \"email\": \"reviewer@example.com\"}, "
"\"timestamp\": \"2025-01-02T03:04:05.678Z\", \"answers\": ["
"{\"label\": \"I am happy for this to be pushed to the upstream repository\", \"checked\": true}, "
"{\"label\": \"I have reviewed the diff\", \"checked\": true}]}";
static const char *REJECTION =
"{\"reason\": \"benchmark rejection\", \"timestamp\": \"2025-01-02T03:04:05.678Z\", "
"\"reviewer\": {\"username\": \"bench-reviewer\", \"email\": \"reviewer@example.com\"}}";

static char **
fetch_column(PGconn *c, const char *sql, int *n)
{
	PGresult   *r = must(c, sql);
	char	  **out;

	*n = PQntuples(r);
	if (*n == 0)
		die("no rows from: %s", sql);
	out = malloc(sizeof(char *) * (size_t) *n);
	for (int i = 0; i < *n; i++)
		out[i] = xstrdup(PQgetvalue(r, i, 0));
	PQclear(r);
	return out;
}

/* ------------------------------------------------------------------ */
/* operations */

typedef struct Ctx
{
	int			thread;
	int			nthreads;
	PGconn	   *conn;
	unsigned long seq;
	uint64_t	rng;
	Buf			a;
	Buf			b;
	char		err[512];
} Ctx;

typedef int (*OpFn) (Ctx *);

static uint64_t
rnd(Ctx *x)
{
	x->rng ^= x->rng << 13;
	x->rng ^= x->rng >> 7;
	x->rng ^= x->rng << 17;
	return x->rng;
}

static int
fail(Ctx *x, PGresult *r, const char *what)
{
	snprintf(x->err, sizeof(x->err), "%s: %s", what,
			 r ? PQresultErrorMessage(r) : PQerrorMessage(x->conn));
	if (r)
		PQclear(r);
	return -1;
}

/* one prepared statement, any result */
static int
exec_prepared(Ctx *x, const char *stmt, int n, const char *const *vals, int expect_rows)
{
	PGresult   *r = PQexecPrepared(x->conn, stmt, n, vals, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		return fail(x, r, stmt);
	if (expect_rows >= 0 && PQntuples(r) != expect_rows)
	{
		snprintf(x->err, sizeof(x->err), "%s: %d rows, expected %d", stmt,
				 PQntuples(r), expect_rows);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

/* the next decision target of this thread (threads use disjoint ids) */
static const char *
next_dec_id(Ctx *x)
{
	long		per = n_dec_ids / x->nthreads;
	long		i = (long) (x->seq++ % (unsigned long) (per > 0 ? per : 1));

	return dec_ids[(i * x->nthreads + x->thread) % n_dec_ids];
}

static int
op_floor(Ctx *x)
{
	return exec_prepared(x, "floor", 0, NULL, 1);
}

static int
op_authorise(Ctx *x)
{
	const char *v[2] = {next_dec_id(x), ATTESTATION};

	return exec_prepared(x, "authorise", 2, v, 1);
}

static int
op_reject(Ctx *x)
{
	const char *v[2] = {next_dec_id(x), REJECTION};

	return exec_prepared(x, "reject", 2, v, 1);
}

static int
op_cancel(Ctx *x)
{
	const char *v[1] = {next_dec_id(x)};

	return exec_prepared(x, "cancel", 1, v, 1);
}

/* the median record with a new id: bench-wa-<run>-<thread>-<seq> */
static void
median_with_new_id(Ctx *x, Buf *out, Buf *id)
{
	buf_reset(id);
	buf_printf(id, "bench-wa-%d-%d-%lu", bench_run_id, x->thread, x->seq++);
	buf_reset(out);
	buf_append(out, median_doc, median_id_start);
	buf_append(out, id->data, id->len);
	buf_puts(out, median_doc + median_id_end);
}

static int
op_write_audit(Ctx *x)
{
	const char *v[1];

	median_with_new_id(x, &x->a, &x->b);
	v[0] = x->a.data;
	return exec_prepared(x, "write_audit", 1, v, 1);
}

static int
op_plain_insert(Ctx *x)
{
	const char *v[2];

	median_with_new_id(x, &x->a, &x->b);
	v[0] = x->b.data;
	v[1] = x->a.data;
	return exec_prepared(x, "plain_insert", 2, v, -1);
}

static int
op_get_push(Ctx *x)
{
	const char *v[1] = {push_ids[rnd(x) % (uint64_t) n_push_ids]};

	return exec_prepared(x, "get_push", 1, v, 1);
}

static int
op_baseline_get(Ctx *x)
{
	const char *v[1] = {push_ids[rnd(x) % (uint64_t) n_push_ids]};

	return exec_prepared(x, "baseline_get", 1, v, 1);
}

/* a page of 50: every row is read, so the client pays for the transfer */
static int
page(Ctx *x, const char *stmt)
{
	PGresult   *r = PQexecPrepared(x->conn, stmt, 0, NULL, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return fail(x, r, stmt);
	if (PQntuples(r) == 0)
	{
		snprintf(x->err, sizeof(x->err), "%s: empty page", stmt);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

static int
op_pending_page(Ctx *x)
{
	return page(x, "pending_page");
}

static int
op_type_page(Ctx *x)
{
	return page(x, "type_page");
}

/*
 * A query whose whole result is read in single-row mode (client memory stays
 * flat however many rows match).  *rows gets the row count.
 */
static int
single_row_query(Ctx *x, const char *stmt, long *rows)
{
	PGresult   *r;
	int			rc = 0;

	*rows = 0;
	if (!PQsendQueryPrepared(x->conn, stmt, 0, NULL, NULL, NULL, 0))
		return fail(x, NULL, stmt);
	if (!PQsetSingleRowMode(x->conn))
		return fail(x, NULL, "single-row mode");
	while ((r = PQgetResult(x->conn)) != NULL)
	{
		ExecStatusType st = PQresultStatus(r);

		if (st == PGRES_SINGLE_TUPLE)
			(*rows)++;
		else if (st != PGRES_TUPLES_OK && rc == 0)
		{
			snprintf(x->err, sizeof(x->err), "%s: %s", stmt, PQresultErrorMessage(r));
			rc = -1;
		}
		PQclear(r);
	}
	return rc;
}

static int
op_baseline_listing(Ctx *x)
{
	long		rows;

	return single_row_query(x, "baseline_listing", &rows);
}

/* simple-protocol statement that must succeed (BEGIN, COMMIT) */
static int
simple(Ctx *x, const char *sql)
{
	PGresult   *r = PQexec(x->conn, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return fail(x, r, sql);
	PQclear(r);
	return 0;
}

static void
rollback(Ctx *x)
{
	PQclear(PQexec(x->conn, "ROLLBACK"));
}

/*
 * git-proxy's current design of a decision: lock and read the document,
 * change it in the client, write the whole document back.  The client-side
 * change is the cheapest possible (the changed keys appended; jsonb keeps the
 * last of duplicate keys), which favours the baseline.
 */
static int
op_baseline_decision(Ctx *x)
{
	const char *id = next_dec_id(x);
	const char *v[2] = {id, NULL};
	PGresult   *r;
	const char *doc;
	size_t		len;

	if (simple(x, "BEGIN") < 0)
		return -1;
	r = PQexecPrepared(x->conn, "baseline_lock", 1, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
	{
		fail(x, r, "baseline_lock");
		rollback(x);
		return -1;
	}
	doc = PQgetvalue(r, 0, 0);
	len = strlen(doc);
	buf_reset(&x->a);
	buf_append(&x->a, doc, len - 1);	/* without the closing brace */
	buf_puts(&x->a, ", \"authorised\": true, \"canceled\": false, \"rejected\": false, "
			 "\"attestation\": ");
	buf_puts(&x->a, ATTESTATION);
	buf_puts(&x->a, "}");
	PQclear(r);
	v[1] = x->a.data;
	if (exec_prepared(x, "baseline_update", 2, v, -1) < 0)
	{
		rollback(x);
		return -1;
	}
	return simple(x, "COMMIT");
}

/*
 * git-proxy's current design of a permission change: read-modify-write of the
 * repo document (this thread's user toggled in users.canPush).
 */
static int
op_baseline_permission(Ctx *x)
{
	const char *id = repo_ids[rnd(x) % (uint64_t) n_repo_ids];
	const char *v[2] = {id, NULL};
	PGresult   *r;
	const char *doc;
	const char *list;
	const char *hit;
	char		user[64];

	snprintf(user, sizeof(user), "\"bench-user-%d\"", x->thread);
	if (simple(x, "BEGIN") < 0)
		return -1;
	r = PQexecPrepared(x->conn, "baseline_repo_lock", 1, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
	{
		fail(x, r, "baseline_repo_lock");
		rollback(x);
		return -1;
	}
	doc = PQgetvalue(r, 0, 0);
	list = strstr(doc, "\"canPush\": [");
	if (list == NULL)
	{
		snprintf(x->err, sizeof(x->err), "repo document without users.canPush");
		PQclear(r);
		rollback(x);
		return -1;
	}
	list += strlen("\"canPush\": [");
	buf_reset(&x->a);
	hit = strstr(doc, user);
	if (hit == NULL)
	{
		/* add as the first element */
		buf_append(&x->a, doc, (size_t) (list - doc));
		buf_puts(&x->a, user);
		if (*list != ']')
			buf_puts(&x->a, ", ");
		buf_puts(&x->a, list);
	}
	else
	{
		/* remove: it was added first, so ", " or "]" follows */
		const char *after = hit + strlen(user);

		if (strncmp(after, ", ", 2) == 0)
			after += 2;
		buf_append(&x->a, doc, (size_t) (hit - doc));
		buf_puts(&x->a, after);
	}
	PQclear(r);
	v[1] = x->a.data;
	if (exec_prepared(x, "baseline_repo_update", 2, v, -1) < 0)
	{
		rollback(x);
		return -1;
	}
	return simple(x, "COMMIT");
}

/* ------------------------------------------------------------------ */
/* the operation table */

typedef struct Op
{
	const char *name;
	OpFn		fn;
	const char *baseline;		/* op whose throughput is the reference */
	const char *na;				/* not measurable yet: why */
} Op;

static const Op ops[] = {
	{"floor: SELECT 1", op_floor, NULL, NULL},
	{"authorise", op_authorise, "baseline decision", NULL},
	{"reject", op_reject, "baseline decision", NULL},
	{"cancel", op_cancel, "baseline decision", NULL},
	{"write_audit (median record)", op_write_audit, "baseline plain INSERT", NULL},
	{"get_push", op_get_push, "baseline get by id", NULL},
	{"get_pushes default, page 50", op_pending_page, "baseline listing (no LIMIT)", NULL},
	{"get_pushes {type:push}, page 50", op_type_page, NULL, NULL},
	/* through the library, phase 2 / other issues: hooks, not numbers */
	{"add/remove canPush", NULL, "baseline permission RMW", "n/a (issue 3 not merged)"},
	{"find_user", NULL, NULL, "n/a (issue 3 not merged)"},
	{"find_user_by_ssh_key", NULL, NULL, "n/a (issue 3 not merged)"},
	{"session get/set", NULL, NULL, "n/a (issue 4 not merged)"},
	{"baseline decision", op_baseline_decision, NULL, NULL},
	{"baseline permission RMW", op_baseline_permission, NULL, NULL},
	{"baseline listing (no LIMIT)", op_baseline_listing, NULL, NULL},
	{"baseline get by id", op_baseline_get, NULL, NULL},
	{"baseline plain INSERT", op_plain_insert, NULL, NULL},
};
#define N_OPS ((int) (sizeof(ops) / sizeof(ops[0])))

static void
prepare_all(PGconn *c)
{
	prepare(c, "floor", "SELECT 1", 0);
	prepare(c, "authorise", "SELECT gitproxy.authorise($1, $2::json)", 2);
	prepare(c, "reject", "SELECT gitproxy.reject($1, $2::json)", 2);
	prepare(c, "cancel", "SELECT gitproxy.cancel($1)", 1);
	prepare(c, "write_audit", "SELECT gitproxy.write_audit($1::json)", 1);
	prepare(c, "get_push", "SELECT gitproxy.get_push($1)", 1);
	prepare(c, "pending_page", "SELECT push, cursor FROM gitproxy.get_pushes(NULL::json, 50)", 0);
	prepare(c, "type_page",
			"SELECT push, cursor FROM gitproxy.get_pushes('{\"type\": \"push\"}'::json, 50)", 0);
	prepare(c, "baseline_get", "SELECT data FROM bench_baseline.pushes WHERE id = $1", 1);
	prepare(c, "baseline_lock",
			"SELECT data FROM bench_baseline.pushes WHERE id = $1 FOR UPDATE", 1);
	prepare(c, "baseline_update",
			"UPDATE bench_baseline.pushes SET data = $2::jsonb WHERE id = $1", 2);
	prepare(c, "baseline_repo_lock",
			"SELECT data FROM bench_baseline.repos WHERE id = $1 FOR UPDATE", 1);
	prepare(c, "baseline_repo_update",
			"UPDATE bench_baseline.repos SET data = $2::jsonb WHERE id = $1", 2);
	prepare(c, "baseline_listing",
			"SELECT data FROM bench_baseline.pushes "
			"WHERE data @> '{\"type\": \"push\", \"error\": false, \"blocked\": true, "
			"\"allowPush\": false, \"authorised\": false}' "
			"ORDER BY (data ->> 'timestamp')::bigint DESC", 0);
	prepare(c, "plain_insert",
			"INSERT INTO bench_baseline.audit_insert (id, data) VALUES ($1, $2::jsonb)", 2);
}

/* ------------------------------------------------------------------ */
/* running a cell */

typedef struct Lat
{
	uint32_t   *v;
	size_t		n;
	size_t		cap;
} Lat;

static void
lat_add(Lat *l, double us)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = realloc(l->v, l->cap * sizeof(uint32_t));
		if (!l->v)
			die("out of memory");
	}
	l->v[l->n++] = us > 4e9 ? 4000000000u : (uint32_t) us;
}

typedef struct Cell
{
	bool		measured;
	const char *na;
	double		p50;
	double		p99;
	double		ops;
	long		n;
	long		errors;
	char		err[512];
} Cell;

typedef struct Thread
{
	pthread_t	tid;
	Ctx			ctx;
	OpFn		fn;
	double		warmup_until;
	double		until;
	pthread_barrier_t *barrier;
	Lat			lat;
	long		errors;
	double		end;
} Thread;

static void *
thread_main(void *arg)
{
	Thread	   *t = arg;

	pthread_barrier_wait(t->barrier);
	while (now_s() < t->warmup_until)
	{
		if (t->fn(&t->ctx) < 0)
			t->errors++;
	}
	for (;;)
	{
		double		s = now_s();

		if (s >= t->until)
			break;
		if (t->fn(&t->ctx) < 0)
			t->errors++;
		else
			lat_add(&t->lat, (now_s() - s) * 1e6);
	}
	t->end = now_s();
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a;
	uint32_t	y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

static PGconn *conns[MAX_CLIENTS];
static Ctx	ctxs[MAX_CLIENTS];

static void
summarize(Cell *cell, Lat *all, double elapsed)
{
	if (all->n > 0)
	{
		qsort(all->v, all->n, sizeof(uint32_t), cmp_u32);
		cell->p50 = all->v[(all->n - 1) / 2];
		cell->p99 = all->v[(size_t) ((all->n - 1) * 0.99)];
	}
	cell->n = (long) all->n;
	cell->ops = elapsed > 0 ? all->n / elapsed : 0;
	cell->measured = true;
}

static void
run_cell(const Op *op, int nthreads, double seconds, Cell *cell)
{
	Thread		th[MAX_CLIENTS];
	pthread_barrier_t barrier;
	Lat			all = {0};
	double		start;
	double		end = 0;

	memset(cell, 0, sizeof(*cell));
	if (op->fn == NULL)
	{
		cell->na = op->na;
		return;
	}
	pthread_barrier_init(&barrier, NULL, (unsigned) nthreads + 1);
	for (int i = 0; i < nthreads; i++)
	{
		memset(&th[i], 0, sizeof(th[i]));
		th[i].ctx = ctxs[i];
		th[i].ctx.nthreads = nthreads;
		th[i].fn = op->fn;
		th[i].barrier = &barrier;
		if (pthread_create(&th[i].tid, NULL, thread_main, &th[i]) != 0)
			die("pthread_create failed");
	}
	start = now_s() + 0.05;
	for (int i = 0; i < nthreads; i++)
	{
		th[i].warmup_until = start + 0.2;
		th[i].until = start + 0.2 + seconds;
	}
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < nthreads; i++)
	{
		pthread_join(th[i].tid, NULL);
		/* keep the per-thread sequence and buffers for the next cell */
		ctxs[i].seq = th[i].ctx.seq;
		ctxs[i].rng = th[i].ctx.rng;
		ctxs[i].a = th[i].ctx.a;
		ctxs[i].b = th[i].ctx.b;
		for (size_t k = 0; k < th[i].lat.n; k++)
			lat_add(&all, th[i].lat.v[k]);
		free(th[i].lat.v);
		cell->errors += th[i].errors;
		if (th[i].errors && !cell->err[0])
			snprintf(cell->err, sizeof(cell->err), "%s", th[i].ctx.err);
		if (th[i].end > end)
			end = th[i].end;
	}
	pthread_barrier_destroy(&barrier);
	summarize(cell, &all, end - (start + 0.2));
	free(all.v);
	if (cell->errors)
		fprintf(stderr, "bench: %s x%d: %ld errors, first: %s\n", op->name, nthreads,
				cell->errors, cell->err);
}

/* ------------------------------------------------------------------ */
/* scale part: synthetic copies of the real pushes */

typedef struct ScaleRow
{
	long		pushes;
	long		pending;
	Cell		page;
	Cell		baseline;
	long		baseline_rows;
	bool		baseline_timeout;
	Cell		rollup;
	double		gen_seconds;
} ScaleRow;

static int	copies_done = 0;

static bool
function_exists(PGconn *c, const char *signature)
{
	const char *v[1] = {signature};
	PGresult   *r = PQexecParams(c, "SELECT to_regprocedure($1) IS NOT NULL", 1, NULL, v,
								 NULL, NULL, 0);
	bool		yes;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		die("%s", PQerrorMessage(c));
	yes = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return yes;
}

/*
 * Grow gitproxy.pushes to `target` rows with copies of the real records
 * (ids "<id>~<copy>", timestamps one hour older per copy), set-based: the
 * stored jsonb is reused with id and timestamp replaced (one || per row, no
 * JSON parsing), compressed with lz4 like imported documents.  The baseline
 * table gets the same documents (already compressed values are copied as
 * they are).
 */
static double
grow_to(PGconn *c, long target)
{
	double		t0 = now_s();
	long		have = must_int(c, "SELECT count(*) FROM gitproxy.pushes");
	long		real = must_int(c, "SELECT count(*) FROM gitproxy.pushes WHERE id NOT LIKE '%~%'");
	long		need = target - have;
	int			first = copies_done + 1;
	int			last;
	char		sql[2048];

	if (need <= 0)
		return 0;
	last = copies_done + (int) ((need + real - 1) / real);
	must_exec(c, "SET default_toast_compression = lz4");
	snprintf(sql, sizeof(sql),
			 "INSERT INTO gitproxy.pushes (id, _id, doc, type, ts, url, user_email, error, "
			 " blocked, allow_push, authorised, canceled, rejected) "
			 "SELECT s.id || '~' || g, gitproxy.import_new_id(), s.doc || CASE "
			 " WHEN s.ts = '-Infinity' THEN jsonb_build_object('id', s.id || '~' || g) "
			 " ELSE jsonb_build_object('id', s.id || '~' || g, "
			 "  'timestamp', (s.ts - g * 3600000::float8)::bigint) END, "
			 " s.type, CASE WHEN s.ts = '-Infinity' THEN s.ts ELSE (s.ts - g * 3600000::float8)::bigint END, "
			 " s.url, s.user_email, s.error, s.blocked, s.allow_push, s.authorised, s.canceled, s.rejected "
			 "FROM generate_series(%d, %d) g "
			 "CROSS JOIN (SELECT id, doc, ts, type, url, user_email, error, blocked, allow_push, "
			 "            authorised, canceled, rejected FROM gitproxy.pushes WHERE id NOT LIKE '%%~%%' "
			 "            ORDER BY id) s "
			 "LIMIT %ld", first, last, need);
	must_exec(c, sql);
	snprintf(sql, sizeof(sql),
			 "INSERT INTO bench_baseline.pushes (id, data) "
			 "SELECT id, doc FROM gitproxy.pushes "
			 "WHERE id LIKE '%%~%%' AND split_part(id, '~', 2)::int BETWEEN %d AND %d",
			 first, last);
	must_exec(c, sql);
	copies_done = last;
	/* hook (issue 4): rollups rebuilt if they exist, as this bypassed the API */
	if (function_exists(c, "gitproxy.rebuild_repo_push_rollups()"))
		must_exec(c, "SELECT gitproxy.rebuild_repo_push_rollups()");
	must_exec(c, "ANALYZE gitproxy.pushes");
	must_exec(c, "ANALYZE bench_baseline.pushes");
	return now_s() - t0;
}

/* one-client cell on conn 0, time-boxed; at least one run */
static void
run_single(OpFn fn, double seconds, Cell *cell)
{
	Ctx		   *x = &ctxs[0];
	Lat			lat = {0};
	double		start = now_s();
	double		end;

	memset(cell, 0, sizeof(*cell));
	x->nthreads = 1;
	if (fn(x) < 0)				/* warm-up (also checks it works) */
	{
		cell->errors++;
		snprintf(cell->err, sizeof(cell->err), "%s", x->err);
	}
	start = now_s();
	do
	{
		double		s = now_s();

		if (fn(x) < 0)
		{
			cell->errors++;
			snprintf(cell->err, sizeof(cell->err), "%s", x->err);
			break;
		}
		lat_add(&lat, (now_s() - s) * 1e6);
	} while (now_s() - start < seconds);
	end = now_s();
	summarize(cell, &lat, end - start);
	free(lat.v);
}

static int
op_rollup(Ctx *x)
{
	long		rows;

	return single_row_query(x, "rollup", &rows);
}

static void
run_scale(long target, double seconds, int timeout_s, ScaleRow *row)
{
	PGconn	   *c = conns[0];
	char		sql[256];
	Ctx		   *x = &ctxs[0];

	memset(row, 0, sizeof(*row));
	row->gen_seconds = grow_to(c, target);
	row->pushes = must_int(c, "SELECT count(*) FROM gitproxy.pushes");
	row->pending = must_int(c, "SELECT count(*) FROM gitproxy.pushes WHERE type = 'push' "
							"AND error = false AND blocked = true AND allow_push = false "
							"AND authorised = false");
	fprintf(stderr, "bench: %ld pushes (%ld pending), generated in %.1f s\n",
			row->pushes, row->pending, row->gen_seconds);

	run_single(op_pending_page, seconds, &row->page);

	/* the baseline listing, one statement at most timeout_s */
	snprintf(sql, sizeof(sql), "SET statement_timeout = '%ds'", timeout_s);
	must_exec(c, sql);
	{
		Lat			lat = {0};
		double		start = now_s();
		double		end;

		memset(&row->baseline, 0, sizeof(row->baseline));
		do
		{
			double		s = now_s();
			long		rows;

			if (single_row_query(x, "baseline_listing", &rows) < 0)
			{
				if (strstr(x->err, "statement timeout"))
					row->baseline_timeout = true;
				else
				{
					row->baseline.errors++;
					snprintf(row->baseline.err, sizeof(row->baseline.err), "%s", x->err);
				}
				break;
			}
			row->baseline_rows = rows;
			lat_add(&lat, (now_s() - s) * 1e6);
		} while (now_s() - start < seconds);
		end = now_s();
		summarize(&row->baseline, &lat, end - start);
		free(lat.v);
	}
	must_exec(c, "RESET statement_timeout");

	/*
	 * Hook (issue 4): the activity rollup, measured once the function exists;
	 * until then the table says n/a, never a number.
	 */
	if (function_exists(c, "gitproxy.get_repo_push_rollups()"))
	{
		PGresult   *r = PQprepare(c, "rollup",
								  "SELECT * FROM gitproxy.get_repo_push_rollups()", 0, NULL);

		PQclear(r);
		run_single(op_rollup, seconds, &row->rollup);
	}
	else
		row->rollup.na = "n/a (issue 4 not merged)";
}

/* ------------------------------------------------------------------ */
/* output */

static void
fmt_num(char *out, size_t n, double v)
{
	if (v >= 100)
		snprintf(out, n, "%.0f", v);
	else if (v >= 10)
		snprintf(out, n, "%.1f", v);
	else
		snprintf(out, n, "%.2f", v);
}

static void
print_row(const char *name, int clients, const Cell *c, const Cell *floor, const Cell *base)
{
	char		p50[32],
				p99[32],
				ops[32],
				xf[32] = "-",
				xb[32] = "-";

	if (!c->measured)
	{
		printf("| %-34s | %7d | %-56s |\n", name, clients, c->na ? c->na : "n/a");
		return;
	}
	if (c->errors && c->n == 0)
	{
		printf("| %-34s | %7d | %-56s |\n", name, clients, "ERROR (see stderr)");
		return;
	}
	fmt_num(p50, sizeof(p50), c->p50);
	fmt_num(p99, sizeof(p99), c->p99);
	fmt_num(ops, sizeof(ops), c->ops);
	if (floor && floor->measured && floor->p50 > 0)
		snprintf(xf, sizeof(xf), "%.2f", c->p50 / floor->p50);
	if (base && base->measured && base->ops > 0)
		snprintf(xb, sizeof(xb), "%.2f", c->ops / base->ops);
	printf("| %-34s | %7d | %9s | %9s | %9s | %9s | %9s |%s\n", name, clients, p50, p99, ops,
		   xf, xb, c->errors ? " (errors)" : "");
}

static const char *RULE =
"|------------------------------------|---------|-----------|-----------|-----------|-----------|-----------|";

static int
parse_list(const char *s, long *out, int max)
{
	int			n = 0;
	char	   *copy = xstrdup(s);
	char	   *save = NULL;

	for (char *tok = strtok_r(copy, ", ", &save); tok && n < max; tok = strtok_r(NULL, ", ", &save))
	{
		long		v = atol(tok);

		if (v > 0)
			out[n++] = v;
	}
	free(copy);
	return n;
}

static int
op_index(const char *name)
{
	for (int i = 0; i < N_OPS; i++)
		if (strcmp(ops[i].name, name) == 0)
			return i;
	die("no op %s", name);
	return -1;
}

int
main(int argc, char **argv)
{
	const char *conninfo = argc > 1 ? argv[1] : "";
	double		seconds = env_double("BENCH_SECONDS", 3);
	double		scale_seconds = env_double("BENCH_SCALE_SECONDS", 2);
	int			timeout_s = (int) env_double("BENCH_BASELINE_TIMEOUT_S", 60);
	const char *clients_s = getenv("BENCH_CLIENTS") ? getenv("BENCH_CLIENTS") : "1,8";
	const char *scales_s = getenv("BENCH_SCALES") ? getenv("BENCH_SCALES") : "10000,100000,1000000";
	long		clients[MAX_CLIENT_COUNTS];
	long		scales[8];
	int			n_clients = parse_list(clients_s, clients, MAX_CLIENT_COUNTS);
	int			n_scales = parse_list(scales_s, scales, 8);
	int			max_clients = 1;
	static Cell cells[MAX_OPS][MAX_CLIENT_COUNTS];
	ScaleRow	srows[8];
	PGresult   *r;
	double		t_start = now_s();
	long		errors = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (n_clients == 0)
		die("BENCH_CLIENTS names no client count");
	for (int i = 0; i < n_clients; i++)
	{
		if (clients[i] > MAX_CLIENTS)
			die("at most %d clients", MAX_CLIENTS);
		if (clients[i] > max_clients)
			max_clients = (int) clients[i];
	}

	for (int i = 0; i < max_clients; i++)
	{
		conns[i] = connect_db(conninfo);
		prepare_all(conns[i]);
		ctxs[i].thread = i;
		ctxs[i].conn = conns[i];
		ctxs[i].rng = 0x9e3779b97f4a7c15ULL * (uint64_t) (i + 1);
	}

	/* data the operations use */
	bench_run_id = (int) must_int(conns[0], "SELECT count(*) FROM bench_baseline.runs");
	must_exec(conns[0], "INSERT INTO bench_baseline.runs DEFAULT VALUES");
	push_ids = fetch_column(conns[0], "SELECT id FROM gitproxy.pushes "
							"WHERE id NOT LIKE 'bench-%' AND id NOT LIKE '%~%' ORDER BY id",
							&n_push_ids);
	dec_ids = fetch_column(conns[0], "SELECT id FROM bench_baseline.pushes "
						   "WHERE id LIKE 'bench-dec-%' ORDER BY id", &n_dec_ids);
	repo_ids = fetch_column(conns[0], "SELECT id FROM bench_baseline.repos ORDER BY id",
							&n_repo_ids);
	/* the median-size real record that jsonb can hold (for the plain INSERT) */
	r = must(conns[0],
			 "SELECT gitproxy.get_push(id)::text FROM ("
			 " SELECT id, row_number() OVER (ORDER BY length(doc::text), id) AS n,"
			 "        count(*) OVER () AS total"
			 " FROM gitproxy.pushes WHERE id NOT LIKE 'bench-%' AND id NOT LIKE '%~%'"
			 " AND strpos(doc::text, U&'\\FFFF') = 0) m WHERE n = (total + 1) / 2");
	median_doc = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	{
		const char *k = strstr(median_doc, "\"id\": \"");
		const char *e;

		if (!k)
			die("median record has no id");
		median_id_start = (size_t) (k - median_doc) + strlen("\"id\": \"");
		e = strchr(median_doc + median_id_start, '"');
		if (!e)
			die("median record id not terminated");
		median_id_end = (size_t) (e - median_doc);
	}
	fprintf(stderr, "bench: %d pushes for get_push, %d decision targets, %d repos, "
			"median record %zu bytes; %.1f s per cell\n",
			n_push_ids, n_dec_ids, n_repo_ids, strlen(median_doc), seconds);

	/* the operation cells */
	for (int o = 0; o < N_OPS; o++)
		for (int k = 0; k < n_clients; k++)
		{
			if (ops[o].fn)
				fprintf(stderr, "bench: %s x%ld\n", ops[o].name, clients[k]);
			run_cell(&ops[o], (int) clients[k], seconds, &cells[o][k]);
			errors += cells[o][k].errors;
		}

	/* back to the real data (plus nothing) before the scale part */
	if (n_scales > 0)
	{
		must_exec(conns[0], "DELETE FROM gitproxy.pushes WHERE id LIKE 'bench-%'");
		must_exec(conns[0], "DELETE FROM bench_baseline.pushes WHERE id LIKE 'bench-%'");
		must_exec(conns[0], "VACUUM ANALYZE gitproxy.pushes");
		must_exec(conns[0], "VACUUM ANALYZE bench_baseline.pushes");
	}
	for (int s = 0; s < n_scales; s++)
	{
		fprintf(stderr, "bench: scale %ld\n", scales[s]);
		run_scale(scales[s], scale_seconds, timeout_s, &srows[s]);
		errors += srows[s].page.errors + srows[s].baseline.errors + srows[s].rollup.errors;
	}

	/* ---- the table ---- */
	printf("\n");
	printf("| %-34s | %7s | %9s | %9s | %9s | %9s | %9s |\n", "operation", "clients",
		   "p50 us", "p99 us", "ops/s", "p50/floor", "ops/base");
	puts(RULE);
	for (int o = 0; o < N_OPS; o++)
		for (int k = 0; k < n_clients; k++)
		{
			const Cell *base = ops[o].baseline ? &cells[op_index(ops[o].baseline)][k] : NULL;

			print_row(ops[o].name, (int) clients[k], &cells[o][k], &cells[0][k], base);
		}
	for (int s = 0; s < n_scales; s++)
	{
		char		name[64];
		char		extra[128];

		puts(RULE);
		snprintf(name, sizeof(name), "pending page 50 @ %ld", srows[s].pushes);
		print_row(name, 1, &srows[s].page, NULL, &srows[s].baseline);
		snprintf(name, sizeof(name), "baseline listing @ %ld", srows[s].pushes);
		if (srows[s].baseline_timeout && srows[s].baseline.n == 0)
		{
			snprintf(extra, sizeof(extra), "> %d s (statement_timeout), %ld pending", timeout_s,
					 srows[s].pending);
			printf("| %-34s | %7d | %-56s |\n", name, 1, extra);
		}
		else
			print_row(name, 1, &srows[s].baseline, NULL, NULL);
		snprintf(name, sizeof(name), "activity rollup @ %ld", srows[s].pushes);
		print_row(name, 1, &srows[s].rollup, NULL, NULL);
	}
	printf("\n");
	for (int s = 0; s < n_scales; s++)
		printf("scale %ld: %ld pushes, %ld pending (default filter); baseline listing returned "
			   "%ld rows; generated in %.1f s\n", scales[s], srows[s].pushes, srows[s].pending,
			   srows[s].baseline_rows, srows[s].gen_seconds);

	/* ---- the commitments of issue 6, measured ---- */
	{
		int			k1 = -1,
					k8 = -1;
		const Cell *fl,
				   *au,
				   *bd,
				   *wa,
				   *pi;

		for (int k = 0; k < n_clients; k++)
		{
			if (clients[k] == 1)
				k1 = k;
			if (clients[k] == 8)
				k8 = k;
		}
		printf("\ntargets:\n");
		if (k1 >= 0)
		{
			fl = &cells[0][k1];
			au = &cells[op_index("authorise")][k1];
			wa = &cells[op_index("write_audit (median record)")][k1];
			pi = &cells[op_index("baseline plain INSERT")][k1];
			printf("  decision p50 / SELECT 1 p50, 1 client: authorise %.2f (target <= 1.5)\n",
				   au->p50 / fl->p50);
			printf("  write_audit p50 / plain INSERT p50, 1 client: %.2f (target <= 2)\n",
				   wa->p50 / pi->p50);
		}
		if (k8 >= 0)
		{
			au = &cells[op_index("authorise")][k8];
			bd = &cells[op_index("baseline decision")][k8];
			printf("  decision throughput / baseline, 8 clients: authorise %.2fx (target >= 2x)\n",
				   au->ops / bd->ops);
		}
		for (int s = 0; s < n_scales; s++)
			printf("  first pending page @ %ld pushes: p50 %.2f ms (target < 2 ms, flat)\n",
				   srows[s].pushes, srows[s].page.p50 / 1000);
		if (n_scales > 0)
			printf("  activity rollup @ %ld pushes: %s\n", srows[n_scales - 1].pushes,
				   srows[n_scales - 1].rollup.measured ? "see table (target < 10 ms)"
				   : "n/a (issue 4 not merged)");
	}

	/* ---- memory ---- */
	{
		long		max_total = 0,
					sum_total = 0;
		char		top[256] = "";

		for (int i = 0; i < max_clients; i++)
		{
			long		t = must_int(conns[i],
									 "SELECT sum(total_bytes) FROM pg_backend_memory_contexts");

			sum_total += t;
			if (t > max_total)
				max_total = t;
		}
		r = must(conns[0], "SELECT name, total_bytes FROM pg_backend_memory_contexts "
				 "ORDER BY total_bytes DESC LIMIT 3");
		for (int i = 0; i < PQntuples(r); i++)
		{
			char		part[96];

			snprintf(part, sizeof(part), "%s%s %.1f MB", i ? ", " : "", PQgetvalue(r, i, 0),
					 atol(PQgetvalue(r, i, 1)) / 1048576.0);
			strncat(top, part, sizeof(top) - strlen(top) - 1);
		}
		PQclear(r);
		printf("\nmemory after the run (%.0f s): per backend (pg_backend_memory_contexts) "
			   "max %.1f MB, mean %.1f MB over %d connections; largest contexts of connection 0: %s\n",
			   now_s() - t_start, max_total / 1048576.0, sum_total / 1048576.0 / max_clients,
			   max_clients, top);
	}
	{
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		printf("client (bench, libpq) max RSS: %.1f MB\n", ru.ru_maxrss / 1024.0);
	}
	for (int i = 0; i < max_clients; i++)
		PQfinish(conns[i]);
	if (errors)
		fprintf(stderr, "bench: %ld operations failed\n", errors);
	return errors ? 1 : 0;
}
