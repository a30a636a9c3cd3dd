package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "demo", "--once", "--data", dir)
	count := func(data string) countResult {
		var cr countResult
		if err := json.Unmarshal([]byte(mustRun(t, "--data", data, "count", "--json")), &cr); err != nil {
			t.Fatal(err)
		}
		return cr
	}
	before := count(dir)
	if before.Total == 0 {
		t.Fatal("demo stored nothing")
	}
	bak := filepath.Join(t.TempDir(), "veille-sauvegarde.db")
	out := mustRun(t, "--data", dir, "backup", bak)
	if !strings.Contains(out, "Sauvegarde écrite") {
		t.Errorf("backup said %q", out)
	}
	if _, _, err := run(t, "--data", dir, "backup", bak); err == nil {
		t.Error("backup overwrote an existing file")
	}
	// Restore into a fresh data directory: same totals, index rebuilt.
	other := t.TempDir()
	mustRun(t, "--data", other, "restore", bak)
	after := count(other)
	if after.Total != before.Total || after.Sentence != before.Sentence {
		t.Errorf("restored totals %d (%q), want %d (%q)", after.Total, after.Sentence, before.Total, before.Sentence)
	}
	var sr searchResult
	json.Unmarshal([]byte(mustRun(t, "--data", other, "search", "--json", "--limit", "100", "")), &sr)
	if int(sr.Total) != before.Total {
		t.Errorf("restored index holds %d clippings, want %d", sr.Total, before.Total)
	}
	// Restoring over an existing store keeps the old one aside.
	out = mustRun(t, "--data", dir, "restore", bak)
	if !strings.Contains(out, "conservé") {
		t.Errorf("restore over a store said %q", out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "veille.db.avant-restauration-*"))
	if len(matches) == 0 {
		t.Error("the replaced store was not kept")
	}
	// A file that is not a backup is refused and nothing is lost.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("rien"), 0o600)
	if _, _, err := run(t, "--data", dir, "restore", junk); err == nil {
		t.Error("restored from junk")
	}
	if got := count(dir); got.Total != before.Total {
		t.Errorf("a refused restore changed the store: %d", got.Total)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, want 0700", fi.Mode().Perm())
	}
}
