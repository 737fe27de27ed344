package peers

// helloMisbehaviours break the hello checks.
func helloMisbehaviours() []Misbehaviour { return nil }
