/*
 * tlsconform's wolfssl target: a wolfSSL echo server on 127.0.0.1.
 *
 *   wolfssl_server RSA_CERT RSA_KEY MIN MAX
 *
 * wolfSSL at its defaults (wolfSSLv23_server_method: the highest version
 * built in, down to the configured minimum) but for the certificate and
 * the version range: MIN and MAX ("1.0" to "1.3") are widened to nothing
 * the library was built without; a version it refuses to enable is
 * skipped. One key per context: wolfSSL serves the RSA certificate only.
 * It prints "tlsconform-wolfssl ready port=N lib=VERSION" once it
 * listens, then serves one connection at a time: handshake, echo every
 * read, close.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "tlsconform_server.h"

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	(void)ssl;
	long n = conn_recv(ctx, buf, (size_t)sz);
	if (n > 0)
		return (int)n;
	if (n == 0)
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	if (n == -2)
		return WOLFSSL_CBIO_ERR_TIMEOUT;
	return errno == ECONNRESET ? WOLFSSL_CBIO_ERR_CONN_RST : WOLFSSL_CBIO_ERR_GENERAL;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	(void)ssl;
	long n = conn_send(ctx, buf, (size_t)sz);
	if (n >= 0)
		return (int)n;
	if (n == -2)
		return WOLFSSL_CBIO_ERR_TIMEOUT;
	return (errno == ECONNRESET || errno == EPIPE) ? WOLFSSL_CBIO_ERR_CONN_RST : WOLFSSL_CBIO_ERR_GENERAL;
}

static const int proto[] = {0, TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION};

static void report(WOLFSSL *ssl, const char *what, int ret)
{
	char msg[WOLFSSL_MAX_ERROR_SZ];
	int err = wolfSSL_get_error(ssl, ret);
	printf("%s: error %d: %s\n", what, err, wolfSSL_ERR_error_string((unsigned long)err, msg));
}

static void serve(WOLFSSL_CTX *ctx, struct conn *c)
{
	WOLFSSL *ssl = wolfSSL_new(ctx);
	if (ssl == NULL) {
		printf("wolfSSL_new failed\n");
		return;
	}
	wolfSSL_SSLSetIORecv(ssl, io_recv);
	wolfSSL_SSLSetIOSend(ssl, io_send);
	wolfSSL_SetIOReadCtx(ssl, c);
	wolfSSL_SetIOWriteCtx(ssl, c);
	int ret = wolfSSL_accept(ssl);
	if (ret != WOLFSSL_SUCCESS) {
		report(ssl, "handshake", ret);
		wolfSSL_free(ssl);
		return;
	}
	printf("handshake: %s %s\n", wolfSSL_get_version(ssl), wolfSSL_get_cipher_name(ssl));
	char buf[16384];
	for (;;) {
		int n = wolfSSL_read(ssl, buf, sizeof buf);
		if (n <= 0) {
			if (wolfSSL_get_error(ssl, n) != WOLFSSL_ERROR_ZERO_RETURN)
				report(ssl, "read", n);
			break;
		}
		int off = 0;
		while (off < n) {
			int w = wolfSSL_write(ssl, buf + off, n - off);
			if (w <= 0) {
				report(ssl, "write", w);
				goto out;
			}
			off += w;
		}
	}
	wolfSSL_shutdown(ssl); /* close_notify, best effort */
out:
	wolfSSL_free(ssl);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s RSA_CERT RSA_KEY MIN MAX\n", argv[0]);
		return 64;
	}
	int lo = version_minor(argv[3]), hi = version_minor(argv[4]);
	if (lo < 0 || hi < lo) {
		fprintf(stderr, "bad version range %s..%s\n", argv[3], argv[4]);
		return 64;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	limits_from_env();
	if (wolfSSL_Init() != WOLFSSL_SUCCESS) {
		fprintf(stderr, "wolfSSL_Init failed\n");
		return 1;
	}
	WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
	if (ctx == NULL) {
		fprintf(stderr, "wolfSSL_CTX_new failed\n");
		return 1;
	}
	if (wolfSSL_CTX_use_certificate_chain_file(ctx, argv[1]) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_PrivateKey_file(ctx, argv[2], WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
		fprintf(stderr, "cannot load %s and %s\n", argv[1], argv[2]);
		return 1;
	}
	/* The lowest wanted version the library agrees to enable. */
	int min = lo;
	while (min <= hi && wolfSSL_CTX_set_min_proto_version(ctx, proto[min]) != WOLFSSL_SUCCESS) {
		printf("note: wolfSSL refuses TLS 1.%d as a minimum\n", min - 1);
		min++;
	}
	int max = hi;
	while (max >= min && wolfSSL_CTX_set_max_proto_version(ctx, proto[max]) != WOLFSSL_SUCCESS) {
		printf("note: wolfSSL refuses TLS 1.%d as a maximum\n", max - 1);
		max--;
	}
	if (min > max) {
		fprintf(stderr, "wolfSSL enables none of TLS %s to %s\n", argv[3], argv[4]);
		return 1;
	}
	int port;
	int lfd = listen_loopback(&port);
	if (lfd < 0)
		return 1;
	printf("tlsconform-wolfssl ready port=%d lib=wolfSSL %s\n", port, wolfSSL_lib_version());
	for (;;) {
		struct conn c;
		if (accept_conn(lfd, &c) < 0)
			return 1;
		serve(ctx, &c);
		close(c.fd);
	}
}
