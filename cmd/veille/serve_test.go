package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"
)

func TestPasswd(t *testing.T) {
	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"passwd", "marie", "--cost", "10"},
		strings.NewReader("un mot de passe solide\n"), &out, &errb)
	if err != nil {
		t.Fatalf("passwd: %v\n%s", err, errb.String())
	}
	var snippet struct {
		Web struct {
			Users []struct {
				Name         string `yaml:"name"`
				PasswordHash string `yaml:"password_hash"`
			} `yaml:"users"`
		} `yaml:"web"`
	}
	if err := yaml.Unmarshal(out.Bytes(), &snippet); err != nil {
		t.Fatalf("the output is not YAML: %v\n%s", err, out.String())
	}
	if len(snippet.Web.Users) != 1 || snippet.Web.Users[0].Name != "marie" {
		t.Fatalf("output = %s", out.String())
	}
	h := snippet.Web.Users[0].PasswordHash
	if bcrypt.CompareHashAndPassword([]byte(h), []byte("un mot de passe solide")) != nil {
		t.Error("the hash does not match the password")
	}
	if c, _ := bcrypt.Cost([]byte(h)); c != 10 {
		t.Errorf("cost = %d, want 10", c)
	}

	// Without a name: the hash alone.
	out.Reset()
	if err := Run(context.Background(), []string{"passwd", "--cost", "10"}, strings.NewReader("un autre mot de passe"), &out, &errb); err != nil {
		t.Fatal(err)
	}
	if line := strings.TrimSpace(out.String()); !strings.HasPrefix(line, "$2") || strings.Contains(line, "\n") {
		t.Errorf("output = %q, want a bcrypt hash", line)
	}

	for _, tc := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"passwd", "marie"}, "court\n", "trop court"},
		{[]string{"passwd", "marie"}, "", "aucun mot de passe"},
		{[]string{"passwd", "marie", "--cost", "40"}, "un mot de passe solide\n", "entre 10 et 16"},
		{[]string{"passwd", "ma:rie"}, "un mot de passe solide\n", "invalide"},
		{[]string{"passwd", "a", "b"}, "un mot de passe solide\n", "un seul nom"},
	} {
		_, _, err := runWith(t, tc.stdin, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("veille %s: %v, want an error with %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

func runWith(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestServeNeedsUsers(t *testing.T) {
	_, _, err := run(t, "serve", "--data", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "aucun utilisateur web") {
		t.Errorf("serve without users: %v", err)
	}
}

// lockedBuffer is an output stream read while the command writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDemoServesWeb runs the demo without --once: it prints the web UI's
// address and a login made for it, the UI answers with the demo's
// clippings, and the demo stops cleanly when its context ends.
func TestDemoServesWeb(t *testing.T) {
	t.Setenv("VEILLE_WEB_ADDR", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"demo", "--data", t.TempDir()}, strings.NewReader(""), out, io.Discard)
	}()

	re := regexp.MustCompile(`Interface web : (http://\S+)\n\s+identifiant : (\S+)\n\s+mot de passe : (\S+)`)
	var m []string
	deadline := time.Now().Add(2 * time.Minute)
	for m == nil {
		select {
		case err := <-done:
			t.Fatalf("the demo ended before serving the web UI: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no web UI address printed:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
		m = re.FindStringSubmatch(out.String())
	}
	base := strings.TrimRight(m[1], "/")
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	req, _ := http.NewRequest(http.MethodPost, base+"/login",
		strings.NewReader(url.Values{"name": {m[2]}, "password": {m[3]}, "next": {"/search?q=agences"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/search" ||
		!regexp.MustCompile(`<strong>\d+ retombées</strong>`).Match(body) {
		t.Fatalf("logged in with the printed password: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo after Ctrl-C: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the demo did not stop within 15 s of its context's end")
	}
}
