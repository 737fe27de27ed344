package checks

// Glob reports whether id matches pattern: * matches any run of
// characters (slashes included), ? any one character, everything else
// itself. Expected-deviations files, -run and -skip name checks with it,
// and the network campaign maps its findings to checks with it.
func Glob(pattern, id string) bool {
	p, s := 0, 0
	star, mark := -1, 0
	for s < len(id) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == id[s]):
			p++
			s++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, s
			p++
		case star >= 0:
			p = star + 1
			mark++
			s = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
