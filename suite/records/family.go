package records

import "github.com/tlsconform/tlsconform/suite/checks"

// Family is the record-layer family, generated from the framing
// mutators: content types, versions, size limits, empty records, bad
// MACs, floods, fragmentation.
func Family() checks.Family {
	return checks.Family{
		Area:          areaRecords,
		Title:         "Record layer (RFC 5246 §6, RFC 8446 §5)",
		Table:         true,
		Checks:        recordChecks,
		Misbehaviours: Misbehaviours(),
		SelfTests:     selfTests,
	}
}
