// Package envflag reads the environment variables that make passes to
// the test fronts of the gates (TARGET, STRICT, SEED, TIMEOUT, ...) as
// flag defaults, and remembers the values it could not read, so that a
// front fails on them instead of going on with a default.
package envflag

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Env collects what could not be read.
type Env struct {
	Errs []string
}

// String is the variable k, or def when it is unset or empty.
func (e *Env) String(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Bool is the variable k as a boolean; unset is false.
func (e *Env) Bool(k string) bool {
	v := os.Getenv(k)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.Errs = append(e.Errs, fmt.Sprintf("%s=%q: want 1, 0, true or false", k, v))
	}
	return b
}

// Int is the variable k as a whole number, or def when unset.
func (e *Env) Int(k string, def int64) int64 {
	v := os.Getenv(k)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		e.Errs = append(e.Errs, fmt.Sprintf("%s=%q: want a whole number", k, v))
		return def
	}
	return n
}

// Duration is the variable k as a positive duration, or def when unset.
func (e *Env) Duration(k string, def time.Duration) time.Duration {
	v := os.Getenv(k)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.Errs = append(e.Errs, fmt.Sprintf("%s=%q: want a positive duration such as 2s or 500ms", k, v))
		return def
	}
	return d
}
