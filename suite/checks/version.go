package checks

func versionChecks() []Check { return nil }
