package mutators

// helloMutators change a ClientHello (CHECKS.md rows 35-46).
func helloMutators() []Mutator { return nil }
