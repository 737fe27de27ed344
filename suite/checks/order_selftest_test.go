package checks_test

// selfTestsOrder: the message-order misbehaviours (rows 1-14).
var selfTestsOrder = []selfTest{}
