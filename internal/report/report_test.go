package report

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/simhash"
	"github.com/cner/veille/internal/store"
)

var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return l
}()

// bitsFrom flips n bits of h starting at bit from.
func bitsFrom(h uint64, from, n int) uint64 {
	for i := 0; i < n; i++ {
		h ^= 1 << ((from + i) % 64)
	}
	return h
}

// TestStoriesThreshold: copies within StoryBits bits and StoryWindow are one
// story (a copy of a copy too); one bit more, or later than the window,
// are not.
func TestStoriesThreshold(t *testing.T) {
	base := time.Date(2021, 3, 1, 9, 0, 0, 0, paris)
	late := base.Add(StoryWindow + 3*time.Hour)
	h := uint64(0x9e3779b97f4a7c15)
	stubs := []store.Stub{
		{ID: 1, Date: base, Simhash: h},
		{ID: 2, Date: base.Add(time.Hour), Simhash: bitsFrom(h, 0, StoryBits)},               // a copy
		{ID: 3, Date: base.Add(2 * time.Hour), Simhash: bitsFrom(h, 40, StoryBits+1)},        // too far apart: another story
		{ID: 4, Date: late, Simhash: h},                                                      // too late: another story
		{ID: 5, Date: late.Add(time.Hour), Simhash: bitsFrom(h, 20, 2)},                      // a copy of 4
		{ID: 6, Date: late.Add(2 * time.Hour)},                                               // no text: alone
		{ID: 7, Date: late.Add(3 * time.Hour)},                                               // no text: alone
		{ID: 8, Date: late.Add(4 * time.Hour), Simhash: bitsFrom(bitsFrom(h, 20, 2), 30, 5)}, // 7 bits from 4, 5 from 5
	}
	got := Stories(stubs)
	want := []int{0, 0, 2, 3, 3, 5, 6, 3}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("stories %v, want %v", got, want)
		}
	}
}

// TestStoriesOnRealText: the simhash of a dispatch and of its lightly
// edited copy (new headline, last paragraph cut) are within the
// threshold; two articles on the same subject are not.
func TestStoriesOnRealText(t *testing.T) {
	body := []string{
		"Le CNER, fédération des agences de développement économique, a réuni mardi à Paris les directeurs de ses quatre-vingts agences membres pour présenter son baromètre annuel des implantations.",
		"Selon ce document, les agences ont accompagné l'an dernier plus de mille deux cents projets d'entreprises, dont un tiers d'investissements étrangers, pour un total de vingt-huit mille emplois annoncés.",
		"Les projets industriels représentent désormais près de la moitié des dossiers, portés par la relocalisation de la production de médicaments, de batteries et de composants électroniques.",
		"Le délégué général de la fédération souligne que le manque de foncier disponible reste le premier frein, devant les difficultés de recrutement et le coût de l'énergie.",
		"La fédération demande à l'État un plan de reconquête des friches industrielles et une simplification des procédures environnementales pour les sites déjà artificialisés.",
		"Le baromètre sera présenté aux parlementaires le mois prochain, avant les assises nationales de l'attractivité prévues à Lyon.",
	}
	dispatch := simhash.Of("Le CNER publie son baromètre des implantations\n" + strings.Join(body, "\n\n"))
	copy := simhash.Of("Implantations : les agences de développement ont accompagné 1 200 projets\n" + strings.Join(body[:5], "\n\n"))
	other := simhash.Of("Les agences de développement face au manque de foncier\n" +
		"Les directeurs d'agences de développement économique réunis à Lyon ont alerté sur la raréfaction du foncier industriel. " +
		"Faute de terrains disponibles, plusieurs projets d'usines ont été abandonnés ou déplacés vers d'autres régions, selon les élus présents. " +
		"Les intercommunalités promettent d'accélérer la reconversion des friches, mais les coûts de dépollution restent élevés.")
	if d := simhash.Distance(dispatch, copy); d > StoryBits {
		t.Errorf("dispatch and copy are %d bits apart, more than %d", d, StoryBits)
	}
	if d := simhash.Distance(dispatch, other); d <= StoryBits {
		t.Errorf("two articles on the same subject are %d bits apart", d)
	}
}

func TestChange(t *testing.T) {
	for _, tc := range []struct {
		before, now int
		want        string
	}{{0, 5, ""}, {4, 5, "+25 %"}, {10, 9, "−10 %"}, {200, 200, "stable"}, {3, 1, "−67 %"}} {
		if got := Change(tc.before, tc.now); got != tc.want {
			t.Errorf("Change(%d, %d) = %q, want %q", tc.before, tc.now, got, tc.want)
		}
	}
}

// TestTotals: the sentence, the breakdowns and the unique-stories variant
// over a small store.
func TestTotals(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	outlets := []config.Outlet{
		{ID: "echos", Name: "Les Échos", Scope: "national", Domains: []string{"echos.fr"}},
		{ID: "gazette", Name: "La Gazette des communes", Scope: "trade", Domains: []string{"gazette.fr"}},
		{ID: "est", Name: "L'Est républicain", Scope: "regional", Domains: []string{"est.fr"}},
	}
	if err := st.SyncOutlets(ctx, outlets, paris, time.Date(2024, 1, 1, 0, 0, 0, 0, paris)); err != nil {
		t.Fatal(err)
	}
	dispatch := "Le CNER publie son baromètre annuel des implantations d'entreprises dans les territoires français, avec des chiffres en hausse pour l'industrie."
	add := func(url, outlet string, day time.Time, text string, ents ...string) {
		var ms []model.Mention
		for _, e := range ents {
			kind := model.KindFederation
			if e == "devco" {
				kind = model.KindEvent
			}
			ms = append(ms, model.Mention{EntityID: e, EntityKind: kind, Alias: e, Matched: e, Snippet: text, HLEnd: 3})
		}
		if _, err := st.SaveArticle(ctx, store.ArticleInput{URL: url, OutletID: outlet, FetchedAt: day,
			Article:  &model.Article{Title: "Titre", Text: text, Published: day},
			Simhash:  simhash.Of("Titre\n" + text),
			Mentions: ms}); err != nil {
			t.Fatal(err)
		}
	}
	d := func(m time.Month, day int) time.Time { return time.Date(2021, m, day, 10, 0, 0, 0, paris) }
	add("https://echos.fr/1", "echos", d(3, 1), dispatch, "cner")
	add("https://gazette.fr/1", "gazette", d(3, 2), dispatch, "cner") // the same dispatch
	add("https://echos.fr/2", "echos", d(11, 20), "Le forum DEV&CO réunit les agences à Nancy, avec le CNER.", "devco", "cner")
	add("https://est.fr/1", "est", d(6, 5), "Nancy accueille une usine de batteries, accompagnée par les élus.", "cner")
	add("https://est.fr/2", "est", time.Date(2020, 5, 5, 10, 0, 0, 0, paris), "Un autre article en 2020 sur le CNER.", "cner")

	cfg, _ := config.Default()
	r := New(st, cfg.Entities(), paris)
	r.SetNow(func() time.Time { return time.Date(2022, 2, 1, 0, 0, 0, 0, paris) })
	tot, err := r.Totals(ctx, Year(2021, paris), Options{Previous: true, Coverage: true})
	if err != nil {
		t.Fatal(err)
	}
	if tot.Total != 4 || tot.Sentence != "4 retombées dans la presse en 2021 : Les Échos (2), L'Est républicain (1), La Gazette des communes (1)." {
		t.Errorf("totals: %d %q", tot.Total, tot.Sentence)
	}
	if tot.Previous == nil || tot.Previous.Total != 1 || tot.Previous.Change != "+300 %" {
		t.Errorf("previous: %+v", tot.Previous)
	}
	if m := tot.By(ByMonth); len(m) != 12 || m[2].Count != 2 || m[2].Name != "mars 2021" {
		t.Errorf("months: %+v", m)
	}
	if e := tot.By(ByEntity); len(e) != 2 || e[0].Key != "cner" || e[0].Count != 4 || e[1].Name != "DEV&CO" {
		t.Errorf("entities: %+v", e)
	}
	if k := tot.By(ByKind); len(k) != 2 || k[1].Name != "événements" {
		t.Errorf("kinds: %+v", k)
	}
	if tot.Coverage == nil || len(tot.Coverage.Notes) != 1 || !strings.Contains(tot.Coverage.Notes[0], "aucune collecte") {
		t.Errorf("coverage without any poll: %+v", tot.Coverage)
	}
	f := Year(2021, paris)
	f.UniqueStories = true
	u, err := r.Totals(ctx, f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if u.Total != 3 || u.Clippings != 4 || !strings.HasPrefix(u.Sentence, "3 sujets distincts (4 retombées) dans la presse en 2021 : Les Échos (2), L'Est républicain (1).") {
		t.Errorf("stories: %d of %d: %q", u.Total, u.Clippings, u.Sentence)
	}
	f.UniqueStories, f.Scope, f.Entity = false, "national", "devco"
	n, err := r.Totals(ctx, f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Sentence != "1 retombée dans la presse nationale en 2021 mentionnant DEV&CO : Les Échos (1)." {
		t.Errorf("filtered sentence: %q", n.Sentence)
	}
	book, err := r.PressBook(ctx, Filter{From: f.From, To: f.To, UniqueStories: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(book) != 3 || len(book[0].Copies) != 1 || book[0].Copies[0].OutletName != "La Gazette des communes" ||
		book[0].Author() != "auteur non indiqué" {
		t.Errorf("press book: %+v", book)
	}
}
