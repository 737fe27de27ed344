package peers

// keyexchangeMisbehaviours break the keyexchange checks.
func keyexchangeMisbehaviours() []Misbehaviour { return nil }
