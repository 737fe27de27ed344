package corpus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Options control CaptureAll.
type Options struct {
	Dir     string        // where the .bin and .json files go
	Only    []string      // capture only these names (all when empty)
	Timeout time.Duration // per client; default one minute
	Log     io.Writer     // progress, one line per client; nil for none
	Now     func() time.Time
}

// Summary counts what CaptureAll did.
type Summary struct {
	Captured, Skipped, Failed int
}

// CaptureAll runs every client in turn and writes each capture to
// <Dir>/<name>.bin and <name>.json, replacing the earlier ones. A client
// that is not installed is skipped with the reason, and one whose capture
// fails is reported; either way its earlier files stay as they were.
func CaptureAll(ctx context.Context, clients []Client, o Options) (Summary, error) {
	var s Summary
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	for _, n := range o.Only {
		if !slices.ContainsFunc(clients, func(c Client) bool { return c.Name == n }) {
			return s, fmt.Errorf("corpus: no client %q", n)
		}
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return s, fmt.Errorf("corpus: %w", err)
	}
	for _, c := range clients {
		if len(o.Only) > 0 && !slices.Contains(o.Only, c.Name) {
			continue
		}
		if m := c.Missing(); m != "" {
			s.Skipped++
			fmt.Fprintf(o.Log, "%-26s skipped: %s not installed%s\n", c.Name, m, kept(o.Dir, c.Name))
			continue
		}
		start := time.Now()
		res, err := Run(ctx, c, o.Timeout, o.Now())
		if err != nil {
			s.Failed++
			fmt.Fprintf(o.Log, "%-26s FAILED after %.1fs: %v%s\n", c.Name, time.Since(start).Seconds(), err, kept(o.Dir, c.Name))
			if out := strings.TrimSpace(res.Output); out != "" {
				fmt.Fprintf(o.Log, "%-26s   client said: %s\n", "", strings.ReplaceAll(lastLines(out, 5), "\n", "\n"+strings.Repeat(" ", 41)))
			}
			if ctx.Err() != nil {
				return s, ctx.Err()
			}
			continue
		}
		if err := write(o.Dir, res); err != nil {
			return s, err
		}
		s.Captured++
		fmt.Fprintf(o.Log, "%-26s %5d bytes in %d record(s), %.1fs; %s\n", c.Name, len(res.Hello), res.Records,
			time.Since(start).Seconds(), res.Provenance.ClientVersion)
	}
	fmt.Fprintf(o.Log, "captured %d, skipped %d, failed %d\n", s.Captured, s.Skipped, s.Failed)
	return s, nil
}

// kept says whether an earlier capture of name stays in dir.
func kept(dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		return ""
	}
	var p Provenance
	if json.Unmarshal(b, &p) != nil {
		return ""
	}
	return fmt.Sprintf(" (keeping the capture of %s)", p.Captured.Format(time.DateOnly))
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// write stores a capture: the .bin first, then the .json, each through a
// temporary file and a rename, so that a run cut short leaves whole files.
func write(dir string, r Result) error {
	js, err := json.MarshalIndent(r.Provenance, "", "  ")
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{r.Provenance.Name + ".bin", r.Hello},
		{r.Provenance.Name + ".json", append(js, '\n')},
	} {
		tmp := filepath.Join(dir, "."+f.name+".tmp")
		if err := os.WriteFile(tmp, f.data, 0o644); err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, f.name)); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("corpus: %w", err)
		}
	}
	return nil
}
