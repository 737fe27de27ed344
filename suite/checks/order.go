package checks

func orderChecks() []Check { return nil }
