package peers

// versionMisbehaviours break version negotiation and downgrade protection
// (CHECKS.md rows 15-26).
func versionMisbehaviours() []Misbehaviour { return nil }
