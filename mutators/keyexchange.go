package mutators

// keyExchangeMutators change a ClientKeyExchange (CHECKS.md rows 47-53).
func keyExchangeMutators() []Mutator { return nil }
