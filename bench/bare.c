/*
 * bare.c: the ceiling for `make bench`. A libmicrohttpd server started with
 * the same daemon flags and options as src/http/server.c (internal polling
 * thread, a thread pool, epoll when available, the same per-connection
 * memory, timeout and connection limits) that answers every request with
 * one fixed, small 200 response and does nothing else.
 *
 *   bare ADDR PORT THREADS
 *
 * PORT 0 lets the kernel pick one. Prints `port N` on stdout once listening,
 * then runs until SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The same limits as src/http/server.c. */
#define CONN_MEMORY (64 * 1024)
#define CONN_TIMEOUT_S 30
#define CONN_LIMIT 1000

static const char BODY[] = "{\"ok\":true}\n";
static struct MHD_Response *fixed;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)cls; (void)url; (void)method; (void)version; (void)upload_data;
	/* Swallow any upload, then answer once the request is complete. */
	if (*con_cls == NULL) {
		*con_cls = (void *)1;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	return MHD_queue_response(conn, MHD_HTTP_OK, fixed);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s ADDR PORT THREADS\n", argv[0]);
		return 2;
	}
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "bare: %s is not an IPv4 address\n", argv[1]);
		return 2;
	}
	unsigned threads = (unsigned)atoi(argv[3]);
	if (threads == 0)
		threads = 1;

	fixed = MHD_create_response_from_buffer(sizeof(BODY) - 1, (void *)BODY,
						MHD_RESPMEM_PERSISTENT);
	if (!fixed || MHD_add_response_header(fixed, MHD_HTTP_HEADER_CONTENT_TYPE,
					      "application/json") != MHD_YES)
		return 1;

	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	else
		flags |= MHD_USE_POLL;

	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)128,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT,
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare: cannot start the daemon on %s:%s\n", argv[1], argv[2]);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("port %u\n", info ? (unsigned)info->port : 0u);
	fflush(stdout);

	int sig = 0;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	MHD_destroy_response(fixed);
	return 0;
}
