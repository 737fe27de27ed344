/*
 * tlsconform's mbedtls target: an mbed TLS echo server on 127.0.0.1.
 *
 *   mbedtls_server RSA_CERT RSA_KEY EC_CERT EC_KEY MIN MAX
 *
 * mbed TLS at its defaults (mbedtls_ssl_config_defaults, server, stream,
 * default preset) but for the two certificates (mbed TLS picks the one
 * that fits the suite) and the version range: MIN and MAX ("1.0" to
 * "1.3") are clamped to what the library was built with (2.28 builds
 * have no TLS 1.3). It prints "tlsconform-mbedtls ready port=N
 * lib=VERSION" once it listens, then serves one connection at a time:
 * handshake, echo every read, close.
 */
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "tlsconform_server.h"

/* The lowest and highest minor version this build has: TLS 1.x is 3.(x+1). */
#if defined(MBEDTLS_SSL_PROTO_TLS1)
#define BUILT_MIN 1
#elif defined(MBEDTLS_SSL_PROTO_TLS1_1)
#define BUILT_MIN 2
#else
#define BUILT_MIN 3
#endif
#if defined(MBEDTLS_SSL_PROTO_TLS1_3_EXPERIMENTAL) || defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define BUILT_MAX 4
#else
#define BUILT_MAX 3
#endif

static int io_recv(void *ctx, unsigned char *buf, size_t len)
{
	long n = conn_recv(ctx, buf, len);
	if (n >= 0)
		return (int)n; /* 0: the peer closed */
	if (n == -2)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

static int io_send(void *ctx, const unsigned char *buf, size_t len)
{
	long n = conn_send(ctx, buf, len);
	if (n >= 0)
		return (int)n;
	if (n == -2)
		return MBEDTLS_ERR_SSL_TIMEOUT;
	return (errno == ECONNRESET || errno == EPIPE) ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

static void report(const char *what, int ret)
{
	char msg[200];
	mbedtls_strerror(ret, msg, sizeof msg);
	printf("%s: -0x%04x: %s\n", what, (unsigned)-ret, msg);
}

static void serve(mbedtls_ssl_config *conf, struct conn *c)
{
	mbedtls_ssl_context ssl;
	mbedtls_ssl_init(&ssl);
	int ret = mbedtls_ssl_setup(&ssl, conf);
	if (ret != 0) {
		report("setup", ret);
		goto out;
	}
	mbedtls_ssl_set_bio(&ssl, c, io_send, io_recv, NULL);
	ret = mbedtls_ssl_handshake(&ssl);
	if (ret != 0) {
		report("handshake", ret);
		goto out;
	}
	printf("handshake: %s %s\n", mbedtls_ssl_get_version(&ssl), mbedtls_ssl_get_ciphersuite(&ssl));
	unsigned char buf[16384];
	for (;;) {
		int n = mbedtls_ssl_read(&ssl, buf, sizeof buf);
		if (n <= 0) {
			if (n != 0 && n != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
				report("read", n);
			break;
		}
		int off = 0;
		while (off < n) {
			int w = mbedtls_ssl_write(&ssl, buf + off, (size_t)(n - off));
			if (w <= 0) {
				report("write", w);
				goto out;
			}
			off += w;
		}
	}
	mbedtls_ssl_close_notify(&ssl); /* best effort */
out:
	mbedtls_ssl_free(&ssl);
}

static int load(mbedtls_x509_crt *crt, mbedtls_pk_context *key, const char *certfile, const char *keyfile)
{
	int ret = mbedtls_x509_crt_parse_file(crt, certfile);
	if (ret != 0) {
		report(certfile, ret);
		return ret;
	}
	ret = mbedtls_pk_parse_keyfile(key, keyfile, NULL);
	if (ret != 0)
		report(keyfile, ret);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: %s RSA_CERT RSA_KEY EC_CERT EC_KEY MIN MAX\n", argv[0]);
		return 64;
	}
	int lo = version_minor(argv[5]), hi = version_minor(argv[6]);
	if (lo < 0 || hi < lo) {
		fprintf(stderr, "bad version range %s..%s\n", argv[5], argv[6]);
		return 64;
	}
	if (lo < BUILT_MIN)
		lo = BUILT_MIN;
	if (hi > BUILT_MAX)
		hi = BUILT_MAX;
	if (lo > hi) {
		fprintf(stderr, "this mbed TLS has none of TLS %s to %s\n", argv[5], argv[6]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	limits_from_env();

	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt rsa_crt, ec_crt;
	mbedtls_pk_context rsa_key, ec_key;
	mbedtls_ssl_config conf;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_x509_crt_init(&rsa_crt);
	mbedtls_x509_crt_init(&ec_crt);
	mbedtls_pk_init(&rsa_key);
	mbedtls_pk_init(&ec_key);
	mbedtls_ssl_config_init(&conf);

	const char pers[] = "tlsconform mbedtls target";
	int ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)pers, sizeof pers - 1);
	if (ret != 0) {
		report("ctr_drbg_seed", ret);
		return 1;
	}
	if (load(&rsa_crt, &rsa_key, argv[1], argv[2]) != 0 || load(&ec_crt, &ec_key, argv[3], argv[4]) != 0)
		return 1;
	ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		report("config_defaults", ret);
		return 1;
	}
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	if ((ret = mbedtls_ssl_conf_own_cert(&conf, &rsa_crt, &rsa_key)) != 0 ||
	    (ret = mbedtls_ssl_conf_own_cert(&conf, &ec_crt, &ec_key)) != 0) {
		report("own_cert", ret);
		return 1;
	}
	mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, lo);
	mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, hi);

	int port;
	int lfd = listen_loopback(&port);
	if (lfd < 0)
		return 1;
	char version[32];
	mbedtls_version_get_string_full(version);
	printf("tlsconform-mbedtls ready port=%d lib=%s\n", port, version);
	for (;;) {
		struct conn c;
		if (accept_conn(lfd, &c) < 0)
			return 1;
		serve(&conf, &c);
		close(c.fd);
	}
}
