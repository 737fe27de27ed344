package checks

// recordChecks: record-layer malformations (CHECKS.md rows 54-58).
func recordChecks() []Check { return nil }
