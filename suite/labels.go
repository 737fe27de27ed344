package suite

import (
	"regexp"

	"github.com/tlsconform/tlsconform/suite/checks"
)

var rfcRef = regexp.MustCompile(`RFC (\d+)(?: §([0-9.]+))?`)

// Labels is the closed label set of a check, for a test framework's
// filters: its version ("tls1.3"), key exchange ("ecdhe_rsa"), area
// ("finished"), level ("MUST"), and each RFC it names, alone and with the
// section ("rfc8446", "rfc8446-4.4.4").
func Labels(ch checks.Check) []string {
	l := []string{"tls" + ch.Ctx.Version.Short(), string(ch.Ctx.KX), ch.Area, string(ch.Level)}
	for _, m := range rfcRef.FindAllStringSubmatch(ch.RFC, -1) {
		l = append(l, "rfc"+m[1])
		if m[2] != "" {
			l = append(l, "rfc"+m[1]+"-"+m[2])
		}
	}
	return l
}
