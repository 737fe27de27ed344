// Package peers is the pure TLS engine of the suite: a scriptable
// reference client and a reference server for TLS 1.0 to 1.3, built on
// the codec (peers/wire), the key schedules (peers/keys), record
// protection (peers/record), key exchange (peers/kx), certificates
// (peers/certs) and the cipher suite table (peers/suites).
//
// The client runs a Script: a list of named Steps (send the ClientHello,
// expect the server's flight, send the Finished, exchange application
// data, ...). A check composes steps, replaces one, or edits the bytes a
// step sends (Conversation.Edit, which panics on a step the script does
// not have); RunScript plays the script against a target and returns the
// Conversation, whose Outcome (a typed value: completed, alert, closed,
// timeout, ...) and Events (every record, for the transcript) say what
// the target did. Every read and write has a deadline, and nothing the
// target sends makes the engine panic.
//
// The server (NewServer) follows a ServerPlan: one hook per decision
// (version, suite, record policy, Finished verification, key exchange,
// the flight it sends). A Misbehaviour is a named edit of that plan, so a
// broken server is a replaced step, never a flag inside the codec or the
// record layer; the misbehaviours themselves belong to those who use
// them (the check families under suite/, the campaign).
//
// Start with script.go (Step, Script, Conversation, RunScript) and
// errors.go (Outcome), then client.go and server.go; client12.go,
// client13.go, server12.go and server13.go are the handshakes, one file
// per side and version. Dial and Converse are the plain client for one
// handshake.
//
// peers knows TLS, scripts, steps and plan hooks, and nothing of the check
// catalogue, the campaign or Ginkgo: it imports only its own
// sub-packages and the standard library, and must not import suite or its
// families, fuzz, targets, mutators, corpus, reports, Ginkgo or Gomega. A protocol feature (a message, an extension, a key exchange,
// a version) goes here; a step that only one family of checks sends goes
// into that family.
package peers
