package envflag

import (
	"testing"
	"time"
)

func TestEnv(t *testing.T) {
	t.Setenv("EF_STR", "x")
	t.Setenv("EF_BOOL", "yes")
	t.Setenv("EF_INT", "7")
	t.Setenv("EF_DUR", "-1s")
	var e Env
	if e.String("EF_STR", "d") != "x" || e.String("EF_UNSET", "d") != "d" {
		t.Error("String")
	}
	if e.Int("EF_INT", 1) != 7 || e.Int("EF_UNSET", 1) != 1 {
		t.Error("Int")
	}
	e.Bool("EF_BOOL")
	if e.Duration("EF_DUR", time.Second) != time.Second {
		t.Error("Duration: a bad value must leave the default")
	}
	if len(e.Errs) != 2 {
		t.Errorf("errors %q: want the bool and the duration", e.Errs)
	}
}
