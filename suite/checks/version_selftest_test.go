package checks_test

// selfTestsVersion: the version-negotiation misbehaviours (rows 15-26).
var selfTestsVersion = []selfTest{}
