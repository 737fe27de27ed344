package checks_test

var selfTestsHello = []selfTest{}
