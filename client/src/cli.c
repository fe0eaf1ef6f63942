/*
 * cli.c - gitproxy-sink [--db CONNINFO] COMMAND [ARGS]: option parsing,
 * dispatch through the command table (cli_commands.c), argument input,
 * output and exit codes.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const exit_table =
	"Exit codes:\n"
	"  0  success\n"
	"  1  the tool itself failed (reading a file or standard input, writing output)\n"
	"  2  usage error (unknown command, wrong arguments)\n"
	"  3  NOT_FOUND          (SQLSTATE P0002, e.g. \"push <id> not found\")\n"
	"  4  CONFLICT           (23505, 42710, 55000, 40001, 40P01)\n"
	"  5  INVALID_INPUT      (class 22/23, invalid JSON argument, no database configured)\n"
	"  6  PERMISSION_DENIED  (42501)\n"
	"  7  UNAVAILABLE        (server unreachable, pool timeout, extension missing or old)\n"
	"  8  INTERNAL           (anything else)\n"
	"  9  TIMEOUT            (57014 statement timeout or cancel, 55P03 lock timeout,\n"
	"                         no answer within the call's time limit)\n";

static void
tool_help(FILE *out, const char *prog)
{
	fprintf(out,
			"Usage: %s [--db CONNINFO] COMMAND [ARGS]\n"
			"       %s COMMAND --help\n\n"
			"Calls the gitproxy_sink extension's sink methods: one command per method,\n"
			"exactly one SQL function call each. JSON arguments are given as an argument\n"
			"or as - to read them from standard input; results are printed as indented\n"
			"JSON on standard output, errors on standard error.\n\n"
			"Options:\n"
			"  --db CONNINFO  libpq connection string or URI. Default: the environment\n"
			"                 variable GIT_PROXY_POSTGRES_CONNECTION_STRING, else libpq's\n"
			"                 PG* variables (PGHOST, PGPORT, PGDATABASE, PGSERVICE, ...).\n"
			"  -h, --help     this text\n\n"
			"Commands:\n", prog, prog);
	for (size_t i = 0; i < cli_n_commands; i++)
		fprintf(out, "  %-32s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fprintf(out, "\n%s", exit_table);
}

static void
command_help(FILE *out, const char *prog, const cli_command *cmd)
{
	fprintf(out, "Usage: %s [--db CONNINFO] %s%s%s\n\n%s\n", prog, cmd->name,
			*cmd->args ? " " : "", cmd->args, cmd->summary);
	if (cmd->help && *cmd->help)
		fprintf(out, "\n%s\n", cmd->help);
	fprintf(out, "\n%s", exit_table);
}

int
cli_usage_error(cli_ctx *ctx, const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "%s: ", ctx->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", ctx->prog);
	return CLI_EXIT_USAGE;
}

static char *
read_stdin(void)
{
	size_t		cap = 4096,
				len = 0;
	char	   *buf = malloc(cap);

	if (buf == NULL)
		return NULL;
	for (;;)
	{
		size_t		n;

		if (len + 1 >= cap)
		{
			char	   *g = realloc(buf, cap * 2);

			if (g == NULL)
			{
				free(buf);
				return NULL;
			}
			buf = g;
			cap *= 2;
		}
		n = fread(buf + len, 1, cap - len - 1, stdin);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(stdin))
	{
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int
cli_json_arg(cli_ctx *ctx, const char *arg, const char *what, char **json)
{
	char		errbuf[256];

	*json = NULL;
	if (strcmp(arg, "-") == 0)
	{
		if (ctx->stdin_used)
			return cli_usage_error(ctx, "only one argument can be read from standard input");
		ctx->stdin_used = true;
		*json = read_stdin();
		if (*json == NULL)
		{
			fprintf(stderr, "%s: cannot read %s from standard input\n", ctx->prog, what);
			return CLI_EXIT_IO;
		}
	}
	else if ((*json = strdup(arg)) == NULL)
		return CLI_EXIT_IO;
	if (cli_json_validate(*json, errbuf, sizeof(errbuf)) != 0)
	{
		fprintf(stderr, "%s: INVALID_INPUT: %s is not valid JSON: %s\n", ctx->prog, what, errbuf);
		free(*json);
		*json = NULL;
		return CLI_EXIT_CATEGORY(GPS_INVALID_INPUT);
	}
	return CLI_EXIT_OK;
}

int
cli_report_error(cli_ctx *ctx, gps_status st, const gps_error *err)
{
	if (err->sqlstate[0])
		fprintf(stderr, "%s: %s (SQLSTATE %s): %s\n", ctx->prog, gps_status_name(st),
				err->sqlstate, err->message);
	else
		fprintf(stderr, "%s: %s: %s\n", ctx->prog, gps_status_name(st), err->message);
	if (err->detail[0])
		fprintf(stderr, "DETAIL: %s\n", err->detail);
	if (err->hint[0])
		fprintf(stderr, "HINT: %s\n", err->hint);
	return CLI_EXIT_CATEGORY(st);
}

int
cli_result(cli_ctx *ctx, gps_status st, const gps_error *err, char *json, bool print_null)
{
	int			rc = CLI_EXIT_OK;

	if (st != GPS_OK)
	{
		gps_free(json);
		return cli_report_error(ctx, st, err);
	}
	if (json != NULL)
	{
		if (cli_json_pretty(json, stdout) != 0)
		{
			/* not JSON (cannot happen with the extension): print as is */
			fputs(json, stdout);
			fputc('\n', stdout);
		}
	}
	else if (print_null)
		fputs("null\n", stdout);
	gps_free(json);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = CLI_EXIT_IO;
	return rc;
}

int
cli_connect(cli_ctx *ctx)
{
	gps_config	cfg;
	gps_error	err;
	gps_status	st;

	if (ctx->client != NULL)
		return CLI_EXIT_OK;
	gps_config_init(&cfg);
	cfg.conninfo = ctx->db;
	cfg.min_size = 0;
	cfg.max_size = 1;
	st = gps_open(&cfg, &ctx->client, &err);
	if (st != GPS_OK)
		return cli_report_error(ctx, st, &err);
	return CLI_EXIT_OK;
}

static const cli_command *
find_command(const char *name)
{
	for (size_t i = 0; i < cli_n_commands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	cli_ctx		ctx;
	const cli_command *cmd;
	char	  **pos,
			  **loaded;
	int			npos = 0,
				i = 1,
				rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.prog = "gitproxy-sink";
	while (i < argc && argv[i][0] == '-' && argv[i][1] == '-' && argv[i][2] != '\0')
	{
		if (strcmp(argv[i], "--help") == 0)
		{
			tool_help(stdout, ctx.prog);
			return CLI_EXIT_OK;
		}
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
		{
			ctx.db = argv[i + 1];
			i += 2;
			continue;
		}
		if (strncmp(argv[i], "--db=", 5) == 0)
		{
			ctx.db = argv[i] + 5;
			i++;
			continue;
		}
		return cli_usage_error(&ctx, "unknown option %s", argv[i]);
	}
	if (i < argc && strcmp(argv[i], "-h") == 0)
	{
		tool_help(stdout, ctx.prog);
		return CLI_EXIT_OK;
	}
	if (i >= argc)
		return cli_usage_error(&ctx, "missing command");
	if (strcmp(argv[i], "help") == 0)
	{
		if (i + 1 < argc && (cmd = find_command(argv[i + 1])) != NULL)
			command_help(stdout, ctx.prog, cmd);
		else if (i + 1 < argc)
			return cli_usage_error(&ctx, "unknown command '%s'", argv[i + 1]);
		else
			tool_help(stdout, ctx.prog);
		return CLI_EXIT_OK;
	}
	cmd = find_command(argv[i]);
	if (cmd == NULL)
		return cli_usage_error(&ctx, "unknown command '%s'", argv[i]);
	i++;

	/* the command's options (--name VALUE) anywhere; the rest positional */
	pos = calloc((size_t) argc + 1, sizeof(char *));
	if (pos == NULL)
		return CLI_EXIT_IO;
	for (; i < argc; i++)
	{
		int			k;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
		{
			command_help(stdout, ctx.prog, cmd);
			free(pos);
			return CLI_EXIT_OK;
		}
		if (strcmp(argv[i], "--") == 0)
		{
			while (++i < argc)
				pos[npos++] = argv[i];
			break;
		}
		if (argv[i][0] == '-' && argv[i][1] == '-')
		{
			for (k = 0; k < 2 && cmd->flags[k]; k++)
				if (strcmp(argv[i], cmd->flags[k]) == 0)
					break;
			if (k < 2 && cmd->flags[k] != NULL)
			{
				ctx.flag[k] = true;
				continue;
			}
			for (k = 0; k < 4 && cmd->options[k]; k++)
				if (strcmp(argv[i], cmd->options[k]) == 0)
					break;
			if (k == 4 || cmd->options[k] == NULL)
			{
				free(pos);
				return cli_usage_error(&ctx, "%s: unknown option %s", cmd->name, argv[i]);
			}
			if (i + 1 >= argc)
			{
				free(pos);
				return cli_usage_error(&ctx, "%s: option %s needs a value", cmd->name, argv[i]);
			}
			ctx.opt[k] = argv[++i];
			continue;
		}
		pos[npos++] = argv[i];
	}
	if (npos < cmd->min_args || npos > cmd->max_args)
	{
		free(pos);
		return cli_usage_error(&ctx, "%s: expected %s%s", cmd->name,
							   *cmd->args ? "arguments " : "no arguments", cmd->args);
	}
	/* JSON arguments: load ("-" = stdin) and validate before connecting */
	loaded = calloc((size_t) argc + 1, sizeof(char *));
	if (loaded == NULL)
	{
		free(pos);
		return CLI_EXIT_IO;
	}
	rc = CLI_EXIT_OK;
	for (int k = 0; k < npos && rc == CLI_EXIT_OK; k++)
	{
		char		what[64];

		if (!(cmd->json_args & (1u << k)))
			continue;
		snprintf(what, sizeof(what), "argument %d of %s", k + 1, cmd->name);
		rc = cli_json_arg(&ctx, pos[k], what, &loaded[k]);
		if (rc == CLI_EXIT_OK)
			pos[k] = loaded[k];
	}
	if (rc == CLI_EXIT_OK)
		rc = cmd->run(&ctx, npos, pos);
	gps_close(ctx.client);
	for (int k = 0; k < npos; k++)
		free(loaded[k]);
	free(loaded);
	free(pos);
	return rc;
}
