package checks

// keyExchangeChecks: ClientKeyExchange malformations and the ROBOT oracle (CHECKS.md rows 47-53).
func keyExchangeChecks() []Check { return nil }
