package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/digest/mailpittest"
	"github.com/cner/veille/internal/match"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/store"
)

// digestConfig writes a configuration whose digest goes to mailpit.
func digestConfig(t *testing.T, smtpPort int) string {
	t.Helper()
	dir := t.TempDir()
	members, err := os.ReadFile(filepath.Join("..", "..", "internal", "digest", "testdata", "members.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "members.csv"), members, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`timezone: Europe/Paris
members_csv: members.csv
watch:
  - {id: cner, name: CNER, kind: federation, aliases: [{text: CNER, case_sensitive: true}]}
outlets:
  - {id: lesechos, name: Les Échos, scope: national, domains: [lesechos.test]}
  - {id: leprogres, name: Le Progrès, scope: regional, domains: [leprogres.test]}
digest:
  time: "08:00"
  smtp: {host: 127.0.0.1, port: %d, from: "Veille CNER <veille@cner.test>", tls: none}
  recipients:
    - {email: communication@cner.test, name: Service communication}
    - {email: direction@aderly.test, name: Aderly, entities: [aderly], empty: skip}
web:
  base_url: http://veille.test
`, smtpPort)
	path := filepath.Join(dir, "veille.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// seedDigestStore stores two clippings found an hour ago.
func seedDigestStore(t *testing.T, cfgPath, dataDir string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dataDir, "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	if err := st.SyncOutlets(ctx, cfg.Outlets, cfg.Location(), now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	m, err := match.New(cfg.Entities())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct{ outlet, slug, title, text string }{
		{"lesechos", "cner", "Le CNER change de président", "Le CNER a élu son président."},
		{"leprogres", "aderly", "Lyon attire", "L'Aderly a accompagné trois entreprises étrangères."},
	} {
		art := &model.Article{Title: a.title, Text: a.text, Published: now.Add(-2 * time.Hour)}
		if _, err := st.SaveArticle(ctx, store.ArticleInput{URL: "https://" + a.outlet + ".test/" + a.slug, OutletID: a.outlet,
			Article: art, FetchedAt: now.Add(-time.Hour), Mentions: m.Match(match.Doc{Title: art.Title, Body: art.Text})}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDigestCommand(t *testing.T) {
	mp := mailpittest.Start(t, mailpittest.Options{})
	cfgPath := digestConfig(t, mp.SMTPPort)
	data := t.TempDir()
	seedDigestStore(t, cfgPath, data)
	base := []string{"--config", cfgPath, "--data", data}

	// Preview of one recipient: text here, HTML in the file; nothing sent.
	htmlPath := filepath.Join(t.TempDir(), "apercu.html")
	out := mustRun(t, append(base, "digest", "--preview", "--recipient", "Direction@Aderly.test", "--out", htmlPath)...)
	for _, want := range []string{"À : Aderly <direction@aderly.test>", "Objet : Veille CNER : 1 nouvelle retombée – ",
		"*L'Aderly*", "Dans veille : http://veille.test/clippings/"} {
		if !strings.Contains(out, want) {
			t.Errorf("preview lacks %q:\n%s", want, out)
		}
	}
	html, err := os.ReadFile(htmlPath)
	if err != nil || !strings.Contains(string(html), "<strong") || !strings.Contains(string(html), "Lyon attire") {
		t.Errorf("HTML preview %s: %v", htmlPath, err)
	}
	// Preview of everyone, HTML files in a directory.
	dir := filepath.Join(t.TempDir(), "apercus")
	out = mustRun(t, append(base, "digest", "--preview", "--out", dir)...)
	if !strings.Contains(out, "Objet : Veille CNER : 2 nouvelles retombées (1 nationale)") {
		t.Errorf("preview of everyone:\n%s", out)
	}
	for _, f := range []string{"communication@cner.test.html", "direction@aderly.test.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("preview file: %v", err)
		}
	}
	if n := len(mp.Messages(t)); n != 0 {
		t.Fatalf("the preview sent %d messages", n)
	}

	// Send now, then again: the second finds nothing new.
	out = mustRun(t, append(base, "digest", "--send")...)
	if !strings.Contains(out, "communication@cner.test : synthèse envoyée, 2 retombées.") ||
		!strings.Contains(out, "direction@aderly.test : synthèse envoyée, 1 retombée.") {
		t.Errorf("send:\n%s", out)
	}
	msgs := mp.WaitFor(t, 2)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	out = mustRun(t, append(base, "digest", "--send")...)
	if strings.Count(out, "rien de nouveau, rien envoyé") != 2 {
		t.Errorf("second send:\n%s", out)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(mp.Messages(t)); n != 2 {
		t.Errorf("%d messages after the second send, want 2", n)
	}

	// The ledger, as JSON.
	out = mustRun(t, append(base, "digest", "--status", "--json")...)
	var runs []struct {
		Recipient string  `json:"recipient"`
		State     string  `json:"state"`
		MessageID string  `json:"message_id"`
		Clippings []int64 `json:"clippings"`
	}
	if err := json.Unmarshal([]byte(out), &runs); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	sent := map[string]int{}
	for _, r := range runs {
		if r.State == "sent" {
			sent[r.Recipient] += len(r.Clippings)
		}
	}
	if sent["communication@cner.test"] != 2 || sent["direction@aderly.test"] != 1 {
		t.Errorf("ledger %+v", runs)
	}
	if out := mustRun(t, append(base, "digest", "--status")...); !strings.Contains(out, "envoyée") {
		t.Errorf("status:\n%s", out)
	}

	// Bad command lines: exit code 2, a clear message.
	for _, args := range [][]string{
		{"digest"},
		{"digest", "--preview", "--send"},
		{"digest", "--send", "--out", "x.html"},
		{"digest", "--preview", "--recipient", "inconnu@example.org"},
	} {
		_, _, err := run(t, append(base, args...)...)
		var u *usageError
		if !errors.As(err, &u) {
			t.Errorf("veille %s: %v, want a usage error", strings.Join(args, " "), err)
		}
	}
}

// TestDigestSendWithoutServer: the SMTP server is down: the command fails,
// says the digest stays owed, and the ledger keeps it pending.
func TestDigestSendWithoutServer(t *testing.T) {
	l, err := freeClosedPort()
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := digestConfig(t, l)
	data := t.TempDir()
	seedDigestStore(t, cfgPath, data)
	out, _, err := run(t, "--config", cfgPath, "--data", data, "digest", "--send", "--recipient", "communication@cner.test")
	if err == nil || !strings.Contains(out, "échec de l'envoi") || !strings.Contains(out, "reste due") {
		t.Errorf("send to a closed port: %v\n%s", err, out)
	}
	out = mustRun(t, "--config", cfgPath, "--data", data, "digest", "--status")
	if !strings.Contains(out, "EN ATTENTE") || !strings.Contains(out, "1 synthèse en attente") {
		t.Errorf("status:\n%s", out)
	}
}

// freeClosedPort returns a port of 127.0.0.1 nobody listens on.
func freeClosedPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
