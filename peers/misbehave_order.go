package peers

// orderMisbehaviours break the message order and state machine (CHECKS.md
// rows 1-14).
func orderMisbehaviours() []Misbehaviour { return nil }
