package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestHostileSearchQueries: what people (or scripts) may type gives a clear
// French error, short enough to read, and never a panic.
func TestHostileSearchQueries(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "demo", "--once", "--data", dir)
	for _, c := range []struct{ q, want string }{
		{`"Dev&co`, "guillemet"},
		{`(cner AND`, "AND"},
		{`couleur:rouge`, "champ inconnu"},
		{strings.Repeat("agence ", 5000), "trop longue"},
		{`)))`, "terme attendu"},
	} {
		_, _, err := run(t, "--data", dir, "search", c.q)
		if err == nil {
			t.Errorf("search %.40q accepted", c.q)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("search %.40q: error %.200q lacks %q", c.q, err, c.want)
		}
		if len(err.Error()) > 600 {
			t.Errorf("search %.40q: a %d-byte error message", c.q, len(err.Error()))
		}
	}
	// A leading dash excludes a word; it is not taken for a flag.
	var all, without searchResult
	json.Unmarshal([]byte(mustRun(t, "--data", dir, "search", "--json", "--limit", "100", "cner")), &all)
	json.Unmarshal([]byte(mustRun(t, "--data", dir, "search", "--json", "--limit", "100", "cner", "-nancy")), &without)
	if all.Total == 0 || without.Total == 0 || without.Total >= all.Total {
		t.Errorf("cner: %d hits, cner -nancy: %d", all.Total, without.Total)
	}
}
