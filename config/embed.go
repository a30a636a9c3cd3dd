package config

import "embed"

//go:embed default.yaml members.csv
var builtin embed.FS

func mustRead(name string) []byte {
	b, err := builtin.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	return b
}

// DefaultFile returns the commented default configuration file, as written
// by `veille config init`.
func DefaultFile() []byte { return mustRead("default.yaml") }

// DefaultMembersCSV returns the built-in member roster.
func DefaultMembersCSV() []byte { return mustRead("members.csv") }
