package checks_test

var selfTestsRecords = []selfTest{}
