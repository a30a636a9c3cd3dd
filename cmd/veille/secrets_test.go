package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestSecretsHiddenInConfigShow: a dump of the effective configuration
// never shows a password hash, nor the SMTP password (which only the
// environment or a file holds).
func TestSecretsHiddenInConfigShow(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("motdepasse-secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "veille.yaml")
	body := "web:\n  users:\n    - name: com\n      password_hash: \"" + string(hash) + "\"\n" +
		"digest:\n  smtp:\n    host: smtp.example.org\n    from: veille@example.org\n    password_env: VEILLE_TEST_SMTP_SECRET\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VEILLE_TEST_SMTP_SECRET", "smtp-secret-value")
	for _, args := range [][]string{{"config", "show"}, {"config", "show", "--json"}} {
		out := mustRun(t, append([]string{"--config", path}, args...)...)
		if strings.Contains(out, string(hash)) || strings.Contains(out, "smtp-secret-value") {
			t.Errorf("veille %v leaks a secret:\n%s", args, out)
		}
		if !strings.Contains(out, "VEILLE_TEST_SMTP_SECRET") || !strings.Contains(out, "com") {
			t.Errorf("veille %v hides too much:\n%s", args, out)
		}
	}
}
