package targets

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tlsconform/tlsconform/internal/extproc"
)

// erlangServer is the escript the erlang target runs: ssl:listen on a
// port the system picks, certs_keys with both certificates (ssl chooses
// by suite and signature algorithms), {versions, ...} with the wanted
// range (ssl's server default is TLS 1.2 and 1.3 only; TLS 1.0 and 1.1
// need naming), everything else at ssl's defaults; an echo of each read.
const erlangServer = `#!/usr/bin/env escript
%% tlsconform's erlang target: an Erlang/OTP ssl echo server on 127.0.0.1,
%% ssl at its defaults but for the certificates and the versions.
%% Arguments: RSA_CERT RSA_KEY EC_CERT EC_KEY VERSIONS (e.g. 1.3,1.2).
%% Each connection runs in a process of its own, bounded by 10 s a read
%% or write and 30 s in all.
-mode(compile).

main([RsaCert, RsaKey, EcCert, EcKey, Versions]) ->
    case application:ensure_all_started(ssl) of
        {ok, _} -> ok;
        {error, Why} ->
            io:format("tlsconform-erlang: cannot start the ssl application: ~p~n", [Why]),
            halt(2)
    end,
    Vs = [version(V) || V <- string:lexemes(Versions, ",")],
    Opts = [binary, {active, false}, {ip, {127,0,0,1}}, {reuseaddr, true},
            {send_timeout, 10000}, {send_timeout_close, true},
            {versions, Vs},
            {certs_keys, [#{certfile => RsaCert, keyfile => RsaKey},
                          #{certfile => EcCert, keyfile => EcKey}]}],
    case ssl:listen(0, Opts) of
        {ok, L} ->
            {ok, {_, Port}} = ssl:sockname(L),
            {ok, Vsn} = application:get_key(ssl, vsn),
            io:format("tlsconform-erlang ready port=~b otp=~s ssl=~s~n",
                      [Port, erlang:system_info(otp_release), Vsn]),
            accept(L);
        {error, Why2} ->
            io:format("tlsconform-erlang: listen: ~p~n", [Why2]),
            halt(1)
    end;
main(_) ->
    io:format("usage: server.escript RSA_CERT RSA_KEY EC_CERT EC_KEY VERSIONS~n"),
    halt(64).

version("1.0") -> tlsv1;
version("1.1") -> 'tlsv1.1';
version("1.2") -> 'tlsv1.2';
version("1.3") -> 'tlsv1.3'.

accept(L) ->
    case ssl:transport_accept(L) of
        {ok, T} ->
            Pid = spawn(fun() -> receive go -> serve(T) end end),
            ok = ssl:controlling_process(T, Pid),
            Pid ! go;
        {error, Why} ->
            io:format("tlsconform-erlang: accept: ~p~n", [Why])
    end,
    accept(L).

serve(T) ->
    Deadline = erlang:monotonic_time(millisecond) + 30000,
    case ssl:handshake(T, 10000) of
        {ok, S} -> echo(S, Deadline);
        {error, Why} ->
            io:format("tlsconform-erlang: handshake: ~p~n", [Why]),
            ssl:close(T)
    end.

echo(S, Deadline) ->
    Left = Deadline - erlang:monotonic_time(millisecond),
    case Left > 0 andalso ssl:recv(S, 0, min(Left, 10000)) of
        {ok, Data} ->
            case ssl:send(S, Data) of
                ok -> echo(S, Deadline);
                {error, _} -> ssl:close(S)
            end;
        _ -> ssl:close(S)
    end.
`

// erlangReady is the escript's line once it listens.
var erlangReady = regexp.MustCompile(`^tlsconform-erlang ready port=(\d+) otp=(\S+) ssl=(\S+)$`)

// erlangNoSSL is the escript's line when the ssl application is missing.
const erlangNoSSL = "cannot start the ssl application"

func openErlang(ctx context.Context, want []uint16, opts Options) (Target, error) {
	path, err := lookup("escript")
	if err != nil {
		return nil, err
	}
	dir, own, err := prepareDir("erlang", opts)
	if err != nil {
		return nil, err
	}
	f, err := writePKI(dir, "erlang", opts)
	if err != nil {
		removeOwned(dir, own)
		return nil, fmt.Errorf("targets: erlang: %w", err)
	}
	script := filepath.Join(dir, "erlang-server.escript")
	if err := os.WriteFile(script, []byte(erlangServer), 0o644); err != nil {
		removeOwned(dir, own)
		return nil, fmt.Errorf("targets: erlang: %w", err)
	}
	// ssl refuses a list with a gap ({options, missing_version, ...}):
	// ask for the range, and the probe notes what was not asked for.
	var vs []string
	for v := want[0]; v <= want[len(want)-1]; v++ {
		vs = append(vs, versionName(v))
	}
	args := []string{script, f.rsaCert, f.rsaKey, f.ecCert, f.ecKey, strings.Join(vs, ",")}
	// The runtime is erlexec and beam.smp with helpers of its own: a
	// process group ends them all.
	p, cancel, m, err := startReadyOpts(ctx, path, args, erlangReady, extproc.Options{Group: true})
	if err != nil {
		removeOwned(dir, own)
		if strings.Contains(err.Error(), erlangNoSSL) {
			nf := &extproc.NotFoundError{Name: "the ssl application", Package: "erlang-ssl", Where: "the Erlang/OTP installation", Err: err}
			return nil, fmt.Errorf("targets: erlang: %w", nf)
		}
		return nil, fmt.Errorf("targets: erlang: %w", err)
	}
	t := &procTarget{name: "erlang", addr: net.JoinHostPort("127.0.0.1", m[1]), proc: p, cancel: cancel, dir: dir, ownDir: own}
	if err := t.finish(ctx, want, fmt.Sprintf("Erlang/OTP %s, ssl %s", m[2], m[3])); err != nil {
		return nil, err
	}
	return t, nil
}
