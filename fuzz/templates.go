//go:build !gofuzz

package fuzz

import (
	"fmt"

	"github.com/tlsconform/tlsconform/corpus"
)

// CorpusTemplates converts the corpus's real ClientHellos into templates.
func CorpusTemplates() ([]Template, error) {
	ts, err := corpus.Templates()
	if err != nil {
		return nil, fmt.Errorf("fuzz: %w", err)
	}
	out := make([]Template, 0, len(ts))
	for _, t := range ts {
		out = append(out, Template{Name: t.Name, Raw: t.Raw, Hello: t.Hello, RecordVersion: t.RecordVersion()})
	}
	return out, nil
}
