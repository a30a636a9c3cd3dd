package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/samplepress"
	"github.com/cner/veille/internal/store"
)

// pressConfig starts the sample press and writes a configuration file
// naming its outlets (plus extra ones), with a crawler tuned for a local
// press. It returns the file and the press.
func pressConfig(t *testing.T, extra ...config.Outlet) (string, *samplepress.Press) {
	t.Helper()
	paris, _ := time.LoadLocation("Europe/Paris")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	press, err := samplepress.Start(ctx, paris)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(press.Close)
	data, err := yaml.Marshal(map[string]any{
		"outlets": append(press.Outlets(), extra...),
		"crawler": map[string]any{"per_host_delay": "0s", "per_host_concurrency": 4, "timeout": "10s"},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "veille.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, press
}

// TestSourcesCommand: after a crawl, `veille sources` shows each source's
// health, in a table and in JSON; a failing source shows its error.
func TestSourcesCommand(t *testing.T) {
	broken := httptest.NewServer(http.NotFoundHandler())
	defer broken.Close()
	cfgPath, _ := pressConfig(t, config.Outlet{ID: "casse", Name: "Le Cassé", Scope: "regional",
		Domains: []string{strings.TrimPrefix(broken.URL, "http://")}, Feeds: []string{broken.URL + "/rss.xml"}})
	dir := t.TempDir()
	out := mustRun(t, "--config", cfgPath, "--data", dir, "crawl", "--once")
	if !strings.Contains(out, "Collecte terminée") {
		t.Fatalf("crawl: %s", out)
	}
	var res struct {
		WindowDays int `json:"window_days"`
		Sources    []struct {
			Outlet              string  `json:"outlet"`
			Kind                string  `json:"kind"`
			URL                 string  `json:"url"`
			Status              string  `json:"status"`
			LastSuccess         string  `json:"last_success"`
			LastError           string  `json:"last_error"`
			ConsecutiveFailures int     `json:"consecutive_failures"`
			Seen7d              int     `json:"seen_7d"`
			Checks7d            int     `json:"checks_7d"`
			NotModifiedShare    float64 `json:"not_modified_share"`
			NextCheck           string  `json:"next_check"`
		} `json:"sources"`
	}
	js := mustRun(t, "--config", cfgPath, "--data", dir, "sources", "--json")
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatalf("sources --json: %v\n%s", err, js)
	}
	if res.WindowDays != 7 || len(res.Sources) < 7 {
		t.Fatalf("sources = %+v", res)
	}
	seen := 0
	for _, s := range res.Sources {
		seen += s.Seen7d
		if s.Checks7d != 1 || s.NextCheck == "" {
			t.Errorf("%s %s: %d checks, next %q", s.Outlet, s.URL, s.Checks7d, s.NextCheck)
		}
		if s.Outlet == "casse" {
			if s.Status != "failing" || s.ConsecutiveFailures != 1 || !strings.Contains(s.LastError, "404") || s.LastSuccess != "" {
				t.Errorf("failing source = %+v", s)
			}
		} else if s.Status != "ok" || s.LastSuccess == "" {
			t.Errorf("source = %+v", s)
		}
	}
	if seen < 30 {
		t.Errorf("%d URLs seen in 7 days, want the sample press's", seen)
	}
	table := mustRun(t, "--config", cfgPath, "--data", dir, "sources")
	for _, want := range []string{"TITRE", "DERNIER SUCCÈS", "VUS 7 J", "PROCHAIN PASSAGE", "en erreur (1×)", "Dernières erreurs", "casse flux"} {
		if !strings.Contains(table, want) {
			t.Errorf("sources table lacks %q:\n%s", want, table)
		}
	}
	failing := mustRun(t, "--config", cfgPath, "--data", dir, "sources", "--failing")
	if strings.Contains(failing, "echo-territoires") || !strings.Contains(failing, "casse") {
		t.Errorf("sources --failing:\n%s", failing)
	}
}

// TestAddCommand: `veille add` stores an article given by hand, says
// whether it is a clipping, and explains refusals in French.
func TestAddCommand(t *testing.T) {
	cfgPath, press := pressConfig(t, config.Outlet{ID: "ailleurs", Name: "Ailleurs", Scope: "national", Domains: []string{"ailleurs.example"}})
	dir := t.TempDir()
	var clip samplepress.Article
	for _, a := range press.Articles() {
		if a.Clipping() && a.Robots == "" {
			clip = a
			break
		}
	}
	out := mustRun(t, "--config", cfgPath, "--data", dir, "add", clip.URL+"?utm_source=newsletter")
	if !strings.Contains(out, "Article ajouté") || !strings.Contains(out, "Retombée : ") {
		t.Errorf("add:\n%s", out)
	}
	out = mustRun(t, "--config", cfgPath, "--data", dir, "add", clip.URL, "--published", "2021-02-03", "--json")
	var res struct {
		ID        int64  `json:"id"`
		Created   bool   `json:"created"`
		Published string `json:"published"`
		Clipping  bool   `json:"clipping"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Created || !strings.HasPrefix(res.Published, "2021-02-03") || !res.Clipping {
		t.Errorf("add --json = %+v (%v)\n%s", res, err, out)
	}
	// The article is in the search index once a command opens it.
	if s := mustRun(t, "--config", cfgPath, "--data", dir, "search", "--json", clip.Title); !strings.Contains(s, clip.Outlet) {
		t.Errorf("search after add: %s", s)
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><body><p>Le CNER ailleurs</p></body></html>")
	}))
	defer other.Close()
	for _, c := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"add", other.URL + "/a"}, true, "--outlet"},
		{[]string{"add", other.URL + "/a", "--outlet", "ailleurs"}, false, "adresse refusée"},
		{[]string{"add", "http://169.254.169.254/latest/meta-data/", "--outlet", "ailleurs"}, false, "adresse refusée"},
		{[]string{"add", other.URL + "/a", "--outlet", "inconnu"}, true, "n'est pas dans la configuration"},
		{[]string{"add", "pas-une-adresse"}, true, "n'est pas une adresse"},
		{[]string{"add"}, true, "une adresse est attendue"},
		{[]string{"add", clip.URL, "--published", "hier"}, true, "AAAA-MM-JJ"},
		{[]string{"add", press.Base(clip.Outlet) + "/nexiste-pas"}, false, "n'existe pas"},
	} {
		_, _, err := run(t, append([]string{"--config", cfgPath, "--data", dir}, c.args...)...)
		var u *usageError
		if err == nil || errors.As(err, &u) != c.usage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("veille %s: err = %v, want %q (usage error: %v)", strings.Join(c.args, " "), err, c.want, c.usage)
		}
	}
	counts := storeStats(t, dir)
	if counts.Articles != 1 {
		t.Errorf("%d articles stored, want 1", counts.Articles)
	}
}

func storeStats(t *testing.T, dir string) store.Stats {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(dir, "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBackfillCommand: flags are checked; a backfill of one outlet and a
// period takes that period's articles, and a second run has nothing left
// to do.
func TestBackfillCommand(t *testing.T) {
	cfgPath, press := pressConfig(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"backfill", "--from", "2021-01-01"}, "précisez la période"},
		{[]string{"backfill", "--from", "2021-13-01", "--to", "2021-12-31"}, "AAAA-MM-JJ"},
		{[]string{"backfill", "--from", "2021-12-31", "--to", "2021-01-01"}, "précède"},
		{[]string{"backfill", "--from", "2021-01-01", "--to", "2021-12-31", "--outlet", "nope"}, "n'est pas dans la configuration"},
	} {
		_, _, err := run(t, append([]string{"--config", cfgPath, "--data", dir}, c.args...)...)
		var u *usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("veille %s: err = %v, want a usage error with %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	out, errOut, err := run(t, "--config", cfgPath, "--data", dir, "backfill", "--from", "2019-01-01", "--to", "2022-12-31",
		"--outlet", "courrier-est")
	if err != nil {
		t.Fatalf("backfill: %v\n%s", err, errOut)
	}
	want := 0
	for _, a := range press.Articles() {
		if a.Outlet == "courrier-est" && a.Date.Year() <= 2022 && a.Robots == "" {
			want++
		}
	}
	if !strings.Contains(out, "Période 2019-01-01..2022-12-31") || !strings.Contains(out, fmt.Sprintf("%d articles récupérés (0 en erreur)", want)) {
		t.Errorf("backfill output:\n%s", out)
	}
	if !strings.Contains(errOut, "pages : ") || !strings.Contains(errOut, "articles : ") {
		t.Errorf("no progress lines on stderr:\n%s", errOut)
	}
	out = mustRun(t, "--config", cfgPath, "--data", dir, "backfill", "--from", "2019-01-01", "--to", "2022-12-31",
		"--outlet", "courrier-est")
	if !strings.Contains(out, "0 pages de sitemaps et d'archives parcourues") || !strings.Contains(out, "0 articles récupérés") {
		t.Errorf("second backfill did work again:\n%s", out)
	}
}

// TestRunCommand runs `veille run` in a process of its own on the sample
// press, waits until it has collected, sends SIGTERM and checks that it
// stops cleanly within 10 s.
func TestRunCommand(t *testing.T) {
	cfgPath, press := pressConfig(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunHelper$")
	cmd.Env = append(os.Environ(), "VEILLE_RUN_HELPER=1", "VEILLE_RUN_ARGS="+strings.Join([]string{"--config", cfgPath, "--data", dir, "run"}, "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var log []string
	deadline := time.After(30 * time.Second)
	want := 0
	for _, a := range press.Articles() {
		if a.Robots == "" {
			want++
		}
	}
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("veille run ended early:\n%s", strings.Join(log, "\n"))
			}
			log = append(log, l)
		case <-time.After(200 * time.Millisecond):
			if s := storeStats(t, dir); s.Articles >= want-1 {
				break wait
			}
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("after 30 s, %+v stored:\n%s", storeStats(t, dir), strings.Join(log, "\n"))
		}
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for l := range lines {
		log = append(log, l)
	}
	err = cmd.Wait()
	took := time.Since(start)
	if err != nil || took > 10*time.Second {
		t.Errorf("veille run stopped in %s: %v\n%s", took, err, strings.Join(log, "\n"))
	}
	all := strings.Join(log, "\n")
	if !strings.Contains(all, "collecte en cours") || !strings.Contains(all, "arrêté proprement") {
		t.Errorf("veille run's messages:\n%s", all)
	}
	t.Logf("stopped %s after SIGTERM", took.Round(time.Millisecond))
}

// TestRunHelper is the `veille run` process of TestRunCommand: it calls
// main's code path with the real signal handling.
func TestRunHelper(t *testing.T) {
	if os.Getenv("VEILLE_RUN_HELPER") != "1" {
		t.Skip("run by TestRunCommand in a process of its own")
	}
	args := strings.Split(os.Getenv("VEILLE_RUN_ARGS"), "\x1f")
	ctx, stop := signalContext()
	defer stop()
	if err := Run(ctx, args, strings.NewReader(""), os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "veille : erreur :", err)
		os.Exit(1)
	}
	os.Exit(0)
}
