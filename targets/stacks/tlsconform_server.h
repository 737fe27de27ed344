/*
 * The socket half shared by tlsconform's small C servers (wolfssl_server.c,
 * mbedtls_server.c): a listener on 127.0.0.1 at a port the system picks,
 * and a connection whose every read and write waits at most 10 s and
 * which ends 30 s after it was accepted, so that a silent or trickling
 * client costs a bounded time. The servers take one connection at a time.
 * TLSCONFORM_IDLE_MS and TLSCONFORM_CONN_MS in the environment override
 * the two bounds (the tests shorten them).
 */
#ifndef TLSCONFORM_SERVER_H
#define TLSCONFORM_SERVER_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long idle_ms = 10000, conn_ms = 30000;

/* limits_from_env reads the bounds' overrides, if any. */
static void limits_from_env(void)
{
	const char *v;
	if ((v = getenv("TLSCONFORM_IDLE_MS")) != NULL && atoll(v) > 0)
		idle_ms = atoll(v);
	if ((v = getenv("TLSCONFORM_CONN_MS")) != NULL && atoll(v) > 0)
		conn_ms = atoll(v);
}

struct conn {
	int fd;
	long long deadline_ms; /* monotonic */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* conn_wait waits until fd is ready for events: 1 ready, 0 out of time,
 * -1 error. */
static int conn_wait(struct conn *c, short events)
{
	for (;;) {
		long long left = c->deadline_ms - now_ms();
		if (left <= 0)
			return 0;
		if (left > idle_ms)
			left = idle_ms;
		struct pollfd p = {.fd = c->fd, .events = events};
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		return n > 0 ? 1 : 0;
	}
}

/* conn_recv and conn_send return what recv and send return, or -2 when
 * the wait ran out. */
static long conn_recv(struct conn *c, void *buf, size_t len)
{
	int w = conn_wait(c, POLLIN);
	if (w <= 0)
		return w == 0 ? -2 : -1;
	ssize_t n;
	do
		n = recv(c->fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n;
}

static long conn_send(struct conn *c, const void *buf, size_t len)
{
	int w = conn_wait(c, POLLOUT);
	if (w <= 0)
		return w == 0 ? -2 : -1;
	ssize_t n;
	do
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

/* listen_loopback listens on 127.0.0.1 at a free port and stores it. */
static int listen_loopback(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	socklen_t alen = sizeof a;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		perror("listen on 127.0.0.1");
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* accept_conn waits for the next connection; -1 only on a listener
 * failure that will not go away. */
static int accept_conn(int lfd, struct conn *c)
{
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd >= 0) {
			c->fd = fd;
			c->deadline_ms = now_ms() + conn_ms;
			return 0;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			usleep(100000); /* let resources come back, without spinning */
			continue;
		}
		perror("accept");
		return -1;
	}
}

/* version_minor parses "1.0" to "1.3" into 1 to 4 (TLS 1.x is 3.(x+1)). */
static int version_minor(const char *s)
{
	if (strlen(s) == 3 && s[0] == '1' && s[1] == '.' && s[2] >= '0' && s[2] <= '3')
		return s[2] - '0' + 1;
	return -1;
}

#endif
