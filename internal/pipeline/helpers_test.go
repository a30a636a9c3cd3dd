package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/crawler"
	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/store"
)

type testEnv struct {
	cfg *config.Config
	st  *store.Store
	ix  *index.Index
	cr  *crawler.Crawler
	pl  *Pipeline
}

func baseConfig(t testing.TB, outlets ...config.Outlet) *config.Config {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Outlets = outlets
	cfg.DataDir = t.TempDir()
	cfg.Crawler.PerHostDelay = 0
	cfg.Crawler.PerHostConcurrency = 4
	cfg.Crawler.Concurrency = 8
	cfg.Crawler.Timeout = config.Duration(5 * time.Second)
	return cfg
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newEnv opens a store and an index in cfg.DataDir and wires the crawler
// and the pipeline, as veille does.
func newEnv(t testing.TB, cfg *config.Config) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(cfg.DataDir, "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(filepath.Join(cfg.DataDir, "index.bleve"), cfg.Location())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ix.Close()
		st.Close()
	})
	log := testLogger(t)
	cr := crawler.New(cfg, st, crawler.NewClient(cfg.Crawler, crawler.Options{}), log)
	pl, err := New(cfg, st, ix, cr, log)
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{cfg: cfg, st: st, ix: ix, cr: cr, pl: pl}
}

func outletOf(id string, srv *httptest.Server) config.Outlet {
	return config.Outlet{ID: id, Name: "Le " + strings.ToUpper(id), Scope: "regional",
		Domains: []string{strings.TrimPrefix(srv.URL, "http://")}}
}

// articlePage is an article mentioning the federation, long enough to
// tell one article from another.
func articlePage(canonical, title, published string, paragraphs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>%s</title>`, title)
	if canonical != "" {
		fmt.Fprintf(&b, `<link rel="canonical" href="%s">`, canonical)
	}
	fmt.Fprintf(&b, `<meta property="article:published_time" content="%s"></head><body><article><h1>%s</h1>`, published, title)
	for _, p := range paragraphs {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	b.WriteString("</article></body></html>")
	return b.String()
}

// sentences are what test articles are written from.
var sentences = []string{
	"Les directeurs d'agences ont comparé leurs indicateurs, des emplois créés aux projets accompagnés, pendant toute la matinée.",
	"« Nous devons parler le langage des élus et des entreprises », a résumé un participant venu de Bretagne, sous les applaudissements.",
	"La méthode sera testée par une vingtaine d'agences volontaires avant d'être généralisée à l'ensemble du réseau l'an prochain.",
	"Les régions suivront de près l'expérience, qui pourrait inspirer leurs propres schémas de développement économique.",
	"Le préfet a salué une initiative qui rapproche les services de l'État des acteurs économiques de terrain.",
	"Plusieurs chefs d'entreprise ont témoigné des difficultés de recrutement qu'ils rencontrent depuis la sortie de la crise.",
	"La question du foncier industriel a occupé l'essentiel de l'après-midi, tant les terrains disponibles se font rares.",
	"Une table ronde consacrée à la transition énergétique a rassemblé industriels, élus et représentants des chambres consulaires.",
	"Les agences ont également présenté un observatoire commun des implantations d'entreprises étrangères sur le territoire.",
	"Le budget de l'opération, financé à parts égales par la région et les intercommunalités, atteint trois cent mille euros.",
	"Un bilan d'étape sera présenté à l'automne, lors des rencontres annuelles organisées cette année à Nantes.",
	"Les débats se sont prolongés tard dans la soirée autour d'un dîner offert par la chambre de commerce et d'industrie.",
	"La startup lauréate du concours d'innovation a reçu un chèque de vingt mille euros et un accompagnement d'un an.",
	"Les syndicats de salariés, invités pour la première fois, ont demandé à être associés aux prochaines étapes.",
	"L'agence d'attractivité a profité de l'occasion pour dévoiler sa nouvelle marque territoriale et son site internet.",
}

// longText is a body of several paragraphs that mentions the CNER; texts
// of different groups (0, 1, 2) share none of their sentences but the
// first.
func longText(topic string, group int) []string {
	out := []string{"Le Cner, la fédération des agences de développement économique, a réuni ses membres pour parler de " + topic + "."}
	start := (group % 3) * 5
	for i := 0; i < 5; i++ {
		out = append(out, sentences[(start+i)%len(sentences)])
	}
	return out
}
