package checks_test

var selfTestsKeyExchange = []selfTest{}
