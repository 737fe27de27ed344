// Package arrows holds only a test: the one-way import rules of the
// project's layout (see the README, "How the code is laid out"), checked
// on every package so that a change that points an arrow the wrong way
// fails make test.
package arrows
