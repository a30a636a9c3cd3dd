package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func noEnv(string) (string, bool) { return "", false }

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultIsValidAndComplete(t *testing.T) {
	cfg, err := LoadEnv("", noEnv)
	if err != nil {
		t.Fatalf("built-in default: %v", err)
	}
	if cfg.Timezone != "Europe/Paris" {
		t.Errorf("timezone = %q, want Europe/Paris", cfg.Timezone)
	}
	ids := map[string]Entity{}
	for _, e := range cfg.Entities() {
		ids[e.ID] = e
	}
	for _, want := range []string{"cner", "devco", "francois-rebsamen", "jalil-benabdillah", "lorr-up", "aderly", "ad-normandie"} {
		if _, ok := ids[want]; !ok {
			t.Errorf("default watch list lacks %q", want)
		}
	}
	// The roster refinement keeps the CSV aliases and adds the options.
	adn := ids["ad-normandie"]
	var found bool
	for _, a := range adn.Aliases {
		if a.Text == "ADN" {
			found = true
			if !a.CaseSensitive || len(a.Context) == 0 {
				t.Errorf("ADN alias lost its options: %+v", a)
			}
		}
	}
	if !found || adn.Kind != "member" || adn.Name != "AD Normandie" {
		t.Errorf("ad-normandie = %+v", adn)
	}
	if len(cfg.Members) < 20 {
		t.Errorf("members = %d, want the roster of members.csv", len(cfg.Members))
	}
	for _, want := range []string{"lagazette", "lesechos", "challenges", "localtis", "lemonde", "lefigaro", "latribune", "lemoniteur", "maireinfo", "acteurspublics"} {
		if _, ok := cfg.Outlet(want); !ok {
			t.Errorf("default outlets lack %q", want)
		}
	}
	if cfg.Crawler.PerHostDelay.D() != 2*time.Second {
		t.Errorf("per_host_delay = %v", cfg.Crawler.PerHostDelay)
	}
}

func TestPartialFileKeepsDefaults(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "veille.yaml", "data_dir: /srv/veille\ncrawler:\n  concurrency: 3\n  per_host_delay: 500ms\n")
	cfg, err := LoadEnv(p, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/srv/veille" || cfg.Crawler.Concurrency != 3 || cfg.Crawler.PerHostDelay.D() != 500*time.Millisecond {
		t.Errorf("file values not applied: %+v", cfg.Crawler)
	}
	if cfg.Crawler.Timeout.D() != 30*time.Second || cfg.Crawler.UserAgent == "" {
		t.Errorf("unset crawler keys lost their default: %+v", cfg.Crawler)
	}
	if len(cfg.Outlets) == 0 || len(cfg.Entities()) == 0 {
		t.Error("unset sections lost their default")
	}
}

func TestMembersCSVRelativeToFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "roster.csv", "name,aliases,level,region,domain,source_url\nAgence Test,Agence Test|AGTEST,regional,Bretagne,,\n")
	p := writeFile(t, dir, "veille.yaml", "members_csv: roster.csv\n")
	cfg, err := LoadEnv(p, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Members) != 1 || cfg.Members[0].ID != "agence-test" || len(cfg.Members[0].Aliases) != 2 {
		t.Fatalf("members = %+v", cfg.Members)
	}
	// The default's refinements of members absent from this roster are
	// dropped from the watch list, with a warning.
	for _, e := range cfg.Entities() {
		if e.Kind == "" || e.Name == "" {
			t.Errorf("incomplete entity in the watch list: %+v", e)
		}
	}
	if w := cfg.Warnings(); len(w) == 0 || !strings.Contains(strings.Join(w, "\n"), "ad-normandie") {
		t.Errorf("warnings = %q, want one for ad-normandie", w)
	}
}

func TestEnvOverrides(t *testing.T) {
	env := map[string]string{
		"VEILLE_DATA_DIR":            "/tmp/x",
		"VEILLE_CRAWLER_CONCURRENCY": "2",
		"VEILLE_CRAWLER_TIMEOUT":     "5s",
		"VEILLE_DIGEST_SMTP_HOST":    "mail.example.org",
	}
	cfg, err := LoadEnv("", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/tmp/x" || cfg.Crawler.Concurrency != 2 || cfg.Crawler.Timeout.D() != 5*time.Second || cfg.Digest.SMTP.Host != "mail.example.org" {
		t.Errorf("env not applied: data_dir=%q crawler=%+v smtp=%+v", cfg.DataDir, cfg.Crawler, cfg.Digest.SMTP)
	}
	_, err = LoadEnv("", func(k string) (string, bool) {
		if k == "VEILLE_CRAWLER_TIMEOUT" {
			return "dix secondes", true
		}
		return "", false
	})
	if err == nil || !strings.Contains(err.Error(), "crawler.timeout") {
		t.Errorf("bad env duration: err = %v, want one naming crawler.timeout", err)
	}
	if _, ok := EnvKeys()["VEILLE_DIGEST_SMTP_PASSWORD_ENV"]; !ok {
		t.Error("EnvKeys misses nested keys")
	}
}

func TestValidationNamesTheKey(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"empty aliases", "watch:\n  - {id: x, name: X, kind: brand, aliases: []}\n", "watch[0] (x).aliases"},
		{"bad kind", "watch:\n  - {id: x, name: X, kind: company, aliases: [X]}\n", "watch[0] (x).kind"},
		{"bad scope", "outlets:\n  - {id: o, name: O, scope: nationale, domains: [o.fr]}\n", "outlets[0] (o).scope"},
		{"bad feed", "outlets:\n  - {id: o, name: O, scope: national, domains: [o.fr], feeds: [ftp://o.fr/rss]}\n", "outlets[0] (o).feeds[0]"},
		{"domain with scheme", "outlets:\n  - {id: o, name: O, scope: national, domains: ['https://o.fr']}\n", "outlets[0] (o).domains[0]"},
		{"bad regexp", "outlets:\n  - {id: o, name: O, scope: national, domains: [o.fr], crawl: {allow: ['(']}}\n", "crawl.allow[0]"},
		{"bad duration", "crawler:\n  timeout: 10 secondes\n", "ligne 2"},
		{"unknown key", "crawler:\n  timeoutz: 1s\n", "timeoutz"},
		{"zero concurrency", "crawler:\n  concurrency: 0\n", "crawler.concurrency"},
		{"bad timezone", "timezone: Europe/Pariss\n", "timezone"},
		{"bad digest time", "digest:\n  time: 8h\n", "digest.time"},
		{"bad tls", "digest:\n  smtp: {tls: ssl}\n", "digest.smtp.tls"},
		{"bad recipient", "digest:\n  smtp: {host: h, from: a@b.fr}\n  recipients: [{email: pas-une-adresse}]\n", "digest.recipients[0].email"},
		{"unknown entity", "digest:\n  smtp: {host: h, from: a@b.fr}\n  recipients: [{email: a@b.fr, entities: [nobody]}]\n", "digest.recipients[0].entities[0]"},
		{"bad role date", "watch:\n  - {id: p, name: P, kind: person, aliases: [P], roles: [{title: t, from: hier}]}\n", "roles[0].from"},
		{"not a mapping", "- a\n- b\n", "top level"},
		{"shared alias", "watch:\n  - {id: a, name: A, kind: brand, aliases: [Forum X]}\n  - {id: b, name: B, kind: event, aliases: [forum x]}\n", "appartient à la fois"},
		{"bad password hash", "web:\n  users: [{name: a, password_hash: secret}]\n", "web.users[0].password_hash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "veille.yaml", c.yaml)
			_, err := LoadEnv(p, noEnv)
			if err == nil {
				t.Fatalf("accepted:\n%s", c.yaml)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not name %q", err, c.want)
			}
		})
	}
}

func TestValidationErrorListsEveryProblem(t *testing.T) {
	p := writeFile(t, t.TempDir(), "v.yaml", "crawler:\n  concurrency: 0\n  max_body_bytes: 10\n")
	_, err := LoadEnv(p, noEnv)
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Fatalf("err = %v, want a ValidationError with 2 problems", err)
	}
}

func TestAliasYAMLForms(t *testing.T) {
	p := writeFile(t, t.TempDir(), "v.yaml", `watch:
  - id: adb
    name: AD Bretagne
    kind: member
    aliases:
      - AD Bretagne
      - {text: ADB, case_sensitive: true, context: [Bretagne], window: 10}
`)
	cfg, err := LoadEnv(p, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	e, ok := cfg.Entity("adb")
	if !ok || len(e.Aliases) != 2 {
		t.Fatalf("entity = %+v", e)
	}
	if e.Aliases[0].Text != "AD Bretagne" || e.Aliases[1].Text != "ADB" || !e.Aliases[1].CaseSensitive || e.Aliases[1].Window != 10 {
		t.Errorf("aliases = %+v", e.Aliases)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Lorr'Up":                     "lorr-up",
		"AD'OCC":                      "ad-occ",
		"Côtes-d'Armor Développement": "cotes-d-armor-developpement",
		"DEV&CO":                      "dev-and-co",
		"  Invest in Reims ":          "invest-in-reims",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadMembersErrors(t *testing.T) {
	if _, err := ReadMembers(strings.NewReader("nom,alias\nA,B\n")); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("missing name column: err = %v", err)
	}
	if _, err := ReadMembers(strings.NewReader("name,aliases\nA,B\nA,C\n")); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("duplicate member: err = %v", err)
	}
}

func TestDefaultFileRoundTrips(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "veille.yaml", string(DefaultFile()))
	writeFile(t, dir, "members.csv", string(DefaultMembersCSV()))
	cfg, err := LoadEnv(p, noEnv)
	if err != nil {
		t.Fatalf("the file config init writes does not load: %v", err)
	}
	def, _ := Default()
	if len(cfg.Entities()) != len(def.Entities()) || len(cfg.Outlets) != len(def.Outlets) {
		t.Errorf("written default differs: %d/%d entities, %d/%d outlets",
			len(cfg.Entities()), len(def.Entities()), len(cfg.Outlets), len(def.Outlets))
	}
}
