/*
 * lifecycle.c - a git-proxy push lifecycle through libgitproxy_sink.
 *
 *   cc lifecycle.c $(pkg-config --cflags --libs gitproxy-sink) -o lifecycle
 *   GIT_PROXY_POSTGRES_CONNECTION_STRING='host=db dbname=gitproxy' ./lifecycle
 *
 * Writes a push, lists the pushes waiting for review, authorises, rejects
 * and cancels it, prints the result of each step and deletes it again.
 */
#include <stdio.h>
#include <stdlib.h>

#include <gitproxy_sink.h>

static int
check(gps_status st, const gps_error *err, const char *what)
{
	if (st == GPS_OK)
		return 0;
	fprintf(stderr, "%s failed: %s [%s] %s\n", what, gps_status_name(st), err->sqlstate,
			err->message);
	return 1;
}

int
main(int argc, char **argv)
{
	gps_config	cfg;
	gps_client *client;
	gps_error	err;
	char	   *json;
	const char *id = argc > 1 ? argv[1] : "example-push";
	char		push[512];
	int			failed = 0;

	gps_config_init(&cfg);		/* conninfo NULL: environment */
	cfg.max_size = 4;
	if (check(gps_open(&cfg, &client, &err), &err, "connect"))
		return 1;

	snprintf(push, sizeof(push),
			 "{\"id\":\"%s\",\"type\":\"push\",\"timestamp\":1718000000000,"
			 "\"url\":\"https://github.com/finos/git-proxy.git\",\"userEmail\":\"dev@example.com\","
			 "\"error\":false,\"blocked\":true,\"allowPush\":false,\"authorised\":false,"
			 "\"rejected\":false,\"canceled\":false}", id);
	failed |= check(gps_write_audit(client, push, &err), &err, "writeAudit");

	/* pending pushes, newest first, 10 per page */
	if (!check(gps_get_pushes(client, NULL, 10, NULL, &json, &err), &err, "getPushes"))
	{
		printf("pending: %s\n", json);
		gps_free(json);
	}
	else
		failed = 1;

	if (!check(gps_authorise(client, id, "{\"reviewer\":{\"username\":\"alice\"}}", &json, &err),
			   &err, "authorise"))
	{
		printf("%s\n", json);	/* {"message": "authorised <id>"} */
		gps_free(json);
	}
	else
		failed = 1;
	if (!check(gps_reject(client, id, "{\"reason\":\"changed my mind\"}", &json, &err), &err, "reject"))
	{
		printf("%s\n", json);
		gps_free(json);
	}
	else
		failed = 1;
	if (!check(gps_cancel(client, id, &json, &err), &err, "cancel"))
	{
		printf("%s\n", json);
		gps_free(json);
	}
	else
		failed = 1;

	/* errors carry a category and the server's message */
	if (gps_authorise(client, "no-such-push", NULL, NULL, &err) == GPS_NOT_FOUND)
		printf("%s: %s\n", gps_status_name(err.category), err.message);

	failed |= check(gps_delete_push(client, id, &err), &err, "deletePush");
	gps_close(client);
	return failed;
}
