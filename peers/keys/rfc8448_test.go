package keys

import (
	"crypto"
	"testing"
)

// Known answers from RFC 8448 (Example Handshake Traces for TLS 1.3). All
// three traces use TLS_AES_128_GCM_SHA256: SHA-256, 16-byte keys, 12-byte IVs.
const (
	rfc8448Hash   = crypto.SHA256
	rfc8448KeyLen = 16
	rfc8448IVLen  = 12
)

// TestRFC8448Simple1RTT walks RFC 8448 §3 "Simple 1-RTT Handshake" through
// the typed schedule and the Transcript, fed the messages the RFC prints.
func TestRFC8448Simple1RTT(t *testing.T) {
	h := rfc8448Hash
	ch := message(t, "ClientHello", rfc8448s3ClientHello)
	sh := message(t, "ServerHello", rfc8448s3ServerHello)
	ee := message(t, "EncryptedExtensions", rfc8448s3EncryptedExtensions)
	cert := message(t, "Certificate", rfc8448Certificate)
	cv := message(t, "CertificateVerify", rfc8448s3CertificateVerify)
	sfin := message(t, "server Finished", rfc8448s3ServerFinished)
	cfin := message(t, "client Finished", rfc8448s3ClientFinished)

	// {server} extract secret "early": salt 0, IKM 32 zero octets.
	early := NewEarlySecret(h, nil)
	checkHex(t, "early secret", early.Secret(),
		`33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c
       e2 10 ad f3 00 aa 1f 26 60 e1 b2 2e 10 f1 70 f9 2a`)

	// {server} derive secret for handshake "tls13 derived".
	checkHex(t, "derived (handshake)", DeriveSecret(h, early.Secret(), "derived", emptyHash(h)),
		`6f 26 15 a1 08 c7 02 c5 67 8f 54 fc 9d ba
       b6 97 16 c0 76 18 9c 48 25 0c eb ea c3 57 6c 36 11 ba`)

	// {server} extract secret "handshake": IKM is the x25519 shared secret.
	hs := early.Handshake(unhex(t, `8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d
       35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 49 2d`))
	checkHex(t, "handshake secret", hs.Secret(),
		`1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b
       01 04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f be ac`)

	tr := NewTranscript()
	tr.Add(ch)
	tr.Add(sh)
	thSH := tr.Sum(0x0304, h)
	checkHex(t, "Transcript-Hash(ClientHello, ServerHello)", thSH,
		`86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed
       d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8`)

	// {server} derive secret "tls13 c hs traffic" / "tls13 s hs traffic".
	cHS := hs.ClientTrafficSecret(thSH)
	checkHex(t, "c hs traffic", cHS,
		`b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e
       2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21`)
	sHS := hs.ServerTrafficSecret(thSH)
	checkHex(t, "s hs traffic", sHS,
		`b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d
       37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38`)

	// {server} derive secret for master "tls13 derived", extract "master".
	checkHex(t, "derived (master)", DeriveSecret(h, hs.Secret(), "derived", emptyHash(h)),
		`43 de 77 e0 c7 77 13 85 9a 94 4d b9 db 25
       90 b5 31 90 a6 5b 3e e2 e4 f1 2d d7 a0 bb 7c e2 54 b4`)
	ms := hs.Master()
	checkHex(t, "master secret", ms.Secret(),
		`18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a
       47 80 01 bc 4d 4c 62 79 84 d5 a4 1d a8 d0 40 29 19`)

	// {server} derive write traffic keys for handshake data.
	key, iv := TrafficKey(h, sHS, rfc8448KeyLen, rfc8448IVLen)
	checkHex(t, "server handshake key", key, `3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc`)
	checkHex(t, "server handshake iv", iv, `5d 31 3e b2 67 12 76 ee 13 00 0b 30`)

	// {server} calculate finished "tls13 finished".
	tr.Add(ee)
	tr.Add(cert)
	tr.Add(cv)
	thCV := tr.Sum(0x0304, h)
	checkHex(t, "server finished_key", FinishedKey(h, sHS),
		`00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85
       c3 1f c0 68 bf 49 2c 65 2f 01 f2 88 a1 d8 cd c1 9f c8`)
	checkBytes(t, "server verify_data", FinishedMAC(h, sHS, thCV), sfin[4:])

	// {server} derive secret "tls13 c ap traffic" / "s ap traffic" /
	// "exp master", over ClientHello...server Finished.
	tr.Add(sfin)
	thSF := tr.Sum(0x0304, h)
	checkHex(t, "Transcript-Hash(ClientHello..server Finished)", thSF,
		`96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a
       00 0e aa da 3d aa e4 77 7a 76 86 c9 ff 83 df 13`)
	cAP := ms.ClientTrafficSecret(thSF)
	checkHex(t, "c ap traffic", cAP,
		`9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce
       65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5`)
	sAP := ms.ServerTrafficSecret(thSF)
	checkHex(t, "s ap traffic", sAP,
		`a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9
       50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43`)
	checkHex(t, "exp master", ms.ExporterMasterSecret(thSF),
		`fe 22 f8 81 17 6e da 18 eb 8f 44 52 9e 67
       92 c5 0c 9a 3f 89 45 2f 68 d8 ae 31 1b 43 09 d3 cf 50`)

	// {server} derive write traffic keys for application data.
	key, iv = TrafficKey(h, sAP, rfc8448KeyLen, rfc8448IVLen)
	checkHex(t, "server application key", key, `9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56`)
	checkHex(t, "server application iv", iv, `cf 78 2b 88 dd 83 54 9a ad f1 e9 84`)

	// {server} derive read traffic keys for handshake data.
	key, iv = TrafficKey(h, cHS, rfc8448KeyLen, rfc8448IVLen)
	checkHex(t, "client handshake key", key, `db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01`)
	checkHex(t, "client handshake iv", iv, `5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f`)

	// {client} calculate finished "tls13 finished".
	checkHex(t, "client finished_key", FinishedKey(h, cHS),
		`b8 0a d0 10 15 fb 2f 0b d6 5f f7 d4 da 5d
       6b f8 3f 84 82 1d 1f 87 fd c7 d3 c7 5b 5a 7b 42 d9 c4`)
	checkBytes(t, "client verify_data", FinishedMAC(h, cHS, thSF), cfin[4:])

	// {client} derive write traffic keys for application data.
	key, iv = TrafficKey(h, cAP, rfc8448KeyLen, rfc8448IVLen)
	checkHex(t, "client application key", key, `17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51`)
	checkHex(t, "client application iv", iv, `5b 78 92 3d ee 08 57 90 33 e5 23 d9`)

	// {client} derive secret "tls13 res master", over ClientHello...client
	// Finished.
	tr.Add(cfin)
	thCF := tr.Sum(0x0304, h)
	checkHex(t, "Transcript-Hash(ClientHello..client Finished)", thCF,
		`20 91 45 a9 6e e8 e2 a1 22 ff 81 00 47 cc 95 26
       84 65 8d 60 49 e8 64 29 42 6d b8 7c 54 ad 14 3d`)
	rms := ms.ResumptionMasterSecret(thCF)
	checkHex(t, "res master", rms,
		`7d f2 35 f2 03 1d 2a 05 12 87 d0 2b 02 41
       b0 bf da f8 6c c8 56 23 1f 2d 5a ba 46 c4 34 ec 19 6c`)

	// {server} generate resumption secret "tls13 resumption": the
	// NewSessionTicket carries ticket_nonce 00 00.
	nst := message(t, "NewSessionTicket", rfc8448s3NewSessionTicket)
	if nonceLen := int(nst[12]); nonceLen != 2 || nst[13] != 0 || nst[14] != 0 {
		t.Fatalf("NewSessionTicket vector: ticket_nonce is %x, want 00 00", nst[13:13+nonceLen])
	}
	checkHex(t, "resumption PSK", ResumptionPSK(h, rms, nst[13:15]),
		`4e cd 0e b6 ec 3b 4d 87 f5 d6 02 8f 92 2c
       a4 c5 85 1a 27 7f d4 13 11 c9 e6 2d 2c 94 92 e1 c4 f3`)
}

// TestRFC8448Resumed0RTT checks RFC 8448 §4 "Resumed 0-RTT Handshake": the
// early secret from the §3 ticket's PSK, the PSK binder, and the early
// traffic secrets.
func TestRFC8448Resumed0RTT(t *testing.T) {
	h := rfc8448Hash
	// The PSK is the §3 resumption PSK; derive it rather than paste it so
	// that the two sections are chained.
	psk := ResumptionPSK(h, unhex(t, `7d f2 35 f2 03 1d 2a 05 12 87 d0 2b 02 41
       b0 bf da f8 6c c8 56 23 1f 2d 5a ba 46 c4 34 ec 19 6c`), []byte{0, 0})

	// {client} extract secret "early": IKM is the PSK.
	early := NewEarlySecret(h, psk)
	checkHex(t, "early secret", early.Secret(),
		`9b 21 88 e9 b2 fc 6d 64 d7 1d c3 29 90 0e 20
       bb 41 91 50 00 f6 78 aa 83 9c bb 79 7c b7 d8 33 2c`)

	// {client} calculate PSK binder: the transcript is the ClientHello up to
	// the binders list; the base key is the "res binder" key.
	prefix := unhex(t, rfc8448s4ClientHelloPrefix)
	tr := NewTranscript()
	tr.Add(prefix)
	binderHash := tr.Sum(0x0304, h)
	checkHex(t, "binder hash", binderHash,
		`63 22 4b 2e 45 73 f2 d3 45 4c a8 4b 9d
       00 9a 04 f6 be 9e 05 71 1a 83 96 47 3a ef a0 1e 92 4a 14`)
	binderKey := early.BinderKey(true)
	checkHex(t, "res binder key", binderKey,
		`69 fe 13 1a 3b ba d5 d6 3c 64 ee bc c3 0e 39 5b
       9d 81 07 72 6a 13 d0 74 e3 89 db c8 a4 e4 72 56`)
	checkHex(t, "binder finished_key", FinishedKey(h, binderKey),
		`55 88 67 3e 72 cb 59 c8 7d 22 0c af fe 94
       f2 de a9 a3 b1 60 9f 7d 50 e9 0a 48 22 7d b9 ed 7e aa`)
	binder := BinderMAC(h, binderKey, binderHash)
	checkHex(t, "binder", binder,
		`3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e
       f5 e8 8d ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d`)
	if ext := early.BinderKey(false); string(ext) == string(binderKey) {
		t.Error(`"ext binder" key equals the "res binder" key`)
	}

	// {client} derive secret "tls13 c e traffic" / "tls13 e exp master" over
	// the whole ClientHello: prefix, then binders 00 21 20 || binder.
	tr.Add([]byte{0x00, 0x21, 0x20})
	tr.Add(binder)
	if got := int(tr.Bytes()[1])<<16 | int(tr.Bytes()[2])<<8 | int(tr.Bytes()[3]); got != tr.Len()-4 {
		t.Fatalf("ClientHello with binders: header says %d bytes, have %d", got, tr.Len()-4)
	}
	thCH := tr.Sum(0x0304, h)
	checkHex(t, "c e traffic", early.ClientEarlyTrafficSecret(thCH),
		`3f bb e6 a6 0d eb 66 c3 0a 32 79 5a ba 0e ff 7e
       aa 10 10 55 86 e7 be 5c 09 67 8d 63 b6 ca ab 62`)
	checkHex(t, "e exp master", early.EarlyExporterMasterSecret(thCH),
		`b2 02 68 66 61 09 37 d7 42 3e 5b e9 08 62 cc f2
       4c 0e 60 91 18 6d 34 f8 12 08 9f f5 be 2e f7 df`)
}

// TestRFC8448HelloRetryRequest checks RFC 8448 §5 "HelloRetryRequest": the
// message_hash rewrite of ClientHello1 and everything derived after it.
func TestRFC8448HelloRetryRequest(t *testing.T) {
	h := rfc8448Hash
	ch1 := message(t, "ClientHello1", rfc8448s5ClientHello1)
	hrr := message(t, "HelloRetryRequest", rfc8448s5HelloRetryRequest)
	ch2 := message(t, "ClientHello2", rfc8448s5ClientHello2)
	sh := message(t, "ServerHello", rfc8448s5ServerHello)
	ee := message(t, "EncryptedExtensions", rfc8448s5EncryptedExtensions)
	cert := message(t, "Certificate", rfc8448Certificate)
	cv := message(t, "CertificateVerify", rfc8448s5CertificateVerify)
	sfin := message(t, "server Finished", rfc8448s5ServerFinished)
	cfin := message(t, "client Finished", rfc8448s5ClientFinished)

	tr := NewTranscript()
	tr.Add(ch1)
	tr.RewriteForHRR(h)
	// RFC 8446 §4.4.1: message_hash || 00 00 Hash.length || Hash(ClientHello1).
	synthetic := MessageHash(h, ch1)
	if got := tr.Bytes(); string(got) != string(synthetic) {
		t.Fatalf("after RewriteForHRR the transcript is %x, want %x", got, synthetic)
	}
	if synthetic[0] != 0xfe || synthetic[1] != 0 || synthetic[2] != 0 || synthetic[3] != 32 || len(synthetic) != 36 {
		t.Fatalf("message_hash header is %x", synthetic[:4])
	}
	tr.Add(hrr)
	tr.Add(ch2)
	tr.Add(sh)
	thSH := tr.Sum(0x0304, h)
	checkHex(t, "Transcript-Hash(ClientHello1..ServerHello)", thSH,
		`8a a8 e8 28 ec 2f 8a 88 4f ec 95 a3 13 9d e0 1c
       15 a3 da a7 ff 5b fc 3f 4b fc c2 1b 43 8d 7b f8`)

	// No PSK; the IKM is the P-256 shared secret.
	hs := NewEarlySecret(h, nil).Handshake(unhex(t, `c1 42 ce 13 ca 11 b5 c2 23 36 52 e6 3a d3 d9 78
       44 f1 62 1f bf b9 de 69 d5 47 dc 8f ed ea be b4`))
	checkHex(t, "handshake secret", hs.Secret(),
		`ce 02 2e 5e 6e 81 e5 07 36 d7 73 f2 d3 ad fc e8
       22 0d 04 9b f5 10 f0 db fa c9 27 ef 42 43 b1 48`)
	cHS := hs.ClientTrafficSecret(thSH)
	checkHex(t, "c hs traffic", cHS,
		`15 8a a7 ab 88 55 07 35 82 b4 1d 67 4b 40 55 ca
       bc c5 34 72 8f 65 93 14 86 1b 4e 08 e2 01 15 66`)
	sHS := hs.ServerTrafficSecret(thSH)
	checkHex(t, "s hs traffic", sHS,
		`34 03 e7 81 e2 af 7b 65 08 da 28 57 4f 6e 95 a1
       ab f1 62 de 83 a9 79 27 c3 76 72 a4 a0 ce f8 a1`)

	key, iv := TrafficKey(h, sHS, rfc8448KeyLen, rfc8448IVLen)
	checkHex(t, "server handshake key", key, `46 46 bf ac 17 12 c4 26 cd 78 d8 a2 4a 8a 6f 6b`)
	checkHex(t, "server handshake iv", iv, `c7 d3 95 c0 8d 62 f2 97 d1 37 68 ea`)
	key, iv = TrafficKey(h, cHS, rfc8448KeyLen, rfc8448IVLen)
	checkHex(t, "client handshake key", key, `2f 1f 91 86 63 d5 90 e7 42 11 49 a2 9d 94 b0 b6`)
	checkHex(t, "client handshake iv", iv, `41 4d 54 85 23 5e 1a 68 87 93 bd 74`)

	tr.Add(ee)
	tr.Add(cert)
	tr.Add(cv)
	checkHex(t, "server finished_key", FinishedKey(h, sHS),
		`e7 f8 bb 3e a4 b6 c3 0c 47 10 b3 d0 9c 33 13 65
       81 17 e7 0b 09 7e 85 03 68 e2 51 0c a5 63 1f 74`)
	checkBytes(t, "server verify_data", FinishedMAC(h, sHS, tr.Sum(0x0304, h)), sfin[4:])

	tr.Add(sfin)
	thSF := tr.Sum(0x0304, h)
	checkHex(t, "client finished_key", FinishedKey(h, cHS),
		`81 be 41 31 fb b9 b6 f4 47 14 50 84 6f 74 fd 1e
       68 c5 22 4b a7 c2 a8 67 7f 5c 53 ad 22 6f dc 13`)
	checkBytes(t, "client verify_data", FinishedMAC(h, cHS, thSF), cfin[4:])

	ms := hs.Master()
	key, iv = TrafficKey(h, ms.ServerTrafficSecret(thSF), rfc8448KeyLen, rfc8448IVLen)
	checkHex(t, "server application key", key, `f2 7a 5d 97 bd 25 55 0c 48 23 b0 f3 e5 d2 93 88`)
	checkHex(t, "server application iv", iv, `0d d6 31 f7 b7 1c bb c7 97 c3 5f e7`)
	key, iv = TrafficKey(h, ms.ClientTrafficSecret(thSF), rfc8448KeyLen, rfc8448IVLen)
	checkHex(t, "client application key", key, `a7 eb 2a 05 25 eb 43 31 d5 8f cb f9 f7 ca 2e 9c`)
	checkHex(t, "client application iv", iv, `86 e8 be 22 7c 1b d2 b3 e3 9c b4 44`)

	tr.Add(cfin)
	checkHex(t, "Transcript-Hash(ClientHello1..client Finished)", tr.Sum(0x0304, h),
		`0e 8b 34 91 58 b8 55 fd cd 0c 11 db bc 4e 83 e4
       3c aa 6e 48 3c 6c 65 df 53 15 18 88 e5 01 65 f4`)
}
