package match

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/model"
)

func defaultMatcher(t testing.TB) *Matcher {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg.Entities())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ids(ms []model.Mention) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.EntityID)
	}
	return strings.Join(out, " ")
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Dév&co":                          "dev & co",
		"DEV&CO22":                        "dev & co 22",
		"Dev & Co":                        "dev & co",
		"Lorr’Up":                         "lorr up",
		"d'AD'OCC":                        "d ad occ",
		"Côtes-d'Armor Développement":     "cotes d armor developpement",
		"Seine\u00a0et\u202fMarne":        "seine et marne",
		"Attrac\u00adtivité":              "attractivite",
		"ŒUVRE Straße":                    "oeuvre strasse",
		"e\u0301le\u0300ve":               "eleve",
		"C.N.E.R.":                        "c n e r",
		"  «\u00a0Invest in Reims\u00a0»": "invest in reims",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSpellings: every way the press writes the watched names.
func TestSpellings(t *testing.T) {
	m := defaultMatcher(t)
	for _, tc := range []struct {
		body, want, matched string
	}{
		{"Le CNER réunit les agences.", "cner", "CNER"},
		{"Le Cner réunit les agences.", "cner", "Cner"},
		{"Le forum Dév&co des agences d'attractivité.", "devco", "forum Dév&co"},
		{"Au DEV&CO, les agences de développement échangent.", "devco", "DEV&CO"},
		{"Le rendez-vous Dev & Co des agences de développement.", "devco", "Dev & Co"},
		{"Le DEV&CO22 réunit les agences de développement.", "devco", "DEV&CO22"},
		{"Au Dev&co21, les agences de développement échangent.", "devco", "Dev&co21"},
		{"Lorr'Up accueille une usine.", "lorr-up", "Lorr'Up"},
		{"Lorr’Up accueille une usine.", "lorr-up", "Lorr’Up"},
		{"LorrUp accueille une usine.", "lorr-up", "LorrUp"},
		{"LORR’UP accueille une usine.", "lorr-up", "LORR’UP"},
		{"Selon l'Aderly, Lyon attire.", "aderly", "l'Aderly"},
		{"Selon l’Aderly, Lyon attire.", "aderly", "l’Aderly"},
		{"Les équipes d'AD'OCC ont suivi le dossier.", "ad-occ", "AD'OCC"},
		{"Les équipes d’Ad’Occ ont suivi le dossier.", "ad-occ", "Ad’Occ"},
		{"Seine et Marne Développement accueille un entrepôt.", "seine-et-marne-developpement", "Seine et Marne Développement"},
		{"Seine-et-Marne\u00a0Développement accueille un entrepôt.", "seine-et-marne-developpement", "Seine-et-Marne\u00a0Développement"},
		{"Côtes d’Armor Développement publie un observatoire.", "cotes-d-armor-developpement", "Côtes d’Armor Développement"},
		{"Invest in Reims ferme ses portes.", "invest-in-reims", "Invest in Reims"},
		{"INVEST IN REIMS ferme ses portes.", "invest-in-reims", "INVEST IN REIMS"},
		{"La Fédération des agences d’attractivité, de développement et d’innovation publie un manifeste.", "cner",
			"Fédération des agences d’attractivité, de développement et d’innovation"},
	} {
		got := m.Match(Doc{Body: tc.body})
		if ids(got) != tc.want {
			t.Errorf("%q: found %q, want %q", tc.body, ids(got), tc.want)
			continue
		}
		if got[0].Matched != tc.matched {
			t.Errorf("%q: matched %q, want %q", tc.body, got[0].Matched, tc.matched)
		}
	}
}

// TestNotMatched: boundaries, case, addresses, homonyms.
func TestNotMatched(t *testing.T) {
	m := defaultMatcher(t)
	for _, body := range []string{
		"Le CNERTA forme les enseignants.",              // inside a word
		"Les ACNER se réunissent.",                      // inside a word
		"Le CNER2 est un prototype.",                    // a number glued to a non-event
		"Voir cner-france.com pour les chiffres.",       // case and address
		"Écrire à contact@CNER-france.com.",             // address, whatever the case
		"Le site WWW.CNER.LU publie les avis.",          // address
		"Le cner est un mot rare.",                      // case
		"Invest in Rennes attire les start-up.",         // another city
		"La campagne « Invest in » est lancée à Reims.", // not the whole name
		"Descartes, développement de la méthode.",       // a comma the alias does not have
		"Dev&Coffee ouvre un café pour développeurs.",   // inside a word
		"À Dijon. Développement durable au menu.",       // a sentence break
		"L'ADN normand de l'agence régionale.",          // a covering exclude phrase
	} {
		if got := m.Match(Doc{Body: body}); len(got) > 0 {
			t.Errorf("%q: found %q (%q), want nothing", body, ids(got), got[0].Matched)
		}
	}
}

func testMatcher(t testing.TB, entities ...config.Entity) *Matcher {
	t.Helper()
	m, err := New(entities)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestContextWindow(t *testing.T) {
	m := testMatcher(t, config.Entity{ID: "nfi", Name: "Nord France Invest", Kind: "member", Aliases: []config.Alias{
		{Text: "NFI", CaseSensitive: true, Context: []string{"agence", "Hauts-de-France"}, Window: 5},
	}})
	for body, want := range map[string]bool{
		"NFI, l'agence régionale, recrute.":                                   true,
		"Les agences saluent NFI.":                                            true, // plural of a context word
		"NFI recrute des ingénieurs pour ses entrepôts du New Jersey. Agence": false,
		"Une agence de voyages, puis dix mots de plus pour être loin de NFI.": false,
		"Dans les Hauts-de-France, NFI recrute.":                              true,
		"nfi, l'agence":                                                       false, // case
	} {
		if got := len(m.Match(Doc{Body: body})) > 0; got != want {
			t.Errorf("%q: matched %v, want %v", body, got, want)
		}
	}
	// Window 0: anywhere in the article, title included.
	m = testMatcher(t, config.Entity{ID: "devco", Name: "DEV&CO", Kind: "event", Context: []string{"forum"},
		Aliases: []config.Alias{{Text: "DEV&CO"}}})
	if got := m.Match(Doc{Title: "Le forum des agences", Body: strings.Repeat("mot ", 200) + "Dev&Co"}); len(got) != 1 {
		t.Errorf("window 0: found %d mentions, want 1", len(got))
	}
	// A context word inside the alias itself does not count.
	m = testMatcher(t, config.Entity{ID: "lm", Name: "Latitude Manche", Kind: "member",
		Aliases: []config.Alias{{Text: "Latitude Manche", Context: []string{"Manche"}}}})
	if got := m.Match(Doc{Body: "Latitude Manche, festival de voile."}); len(got) != 0 {
		t.Errorf("context inside the alias: found %q", ids(got))
	}
}

func TestExclude(t *testing.T) {
	m := testMatcher(t, config.Entity{ID: "cner", Name: "CNER", Kind: "federation",
		Aliases: []config.Alias{{Text: "CNER", CaseSensitive: true},
			{Text: "ADN", CaseSensitive: true, Exclude: []string{"l'ADN de"}}},
		Exclude: []string{"éthique de la recherche"}, Window: 8})
	for body, want := range map[string]bool{
		"Le CNER, comité d'éthique de la recherche, rend un avis.":                                false,
		"Le CNER publie son baromètre. " + strings.Repeat("mot ", 20) + "éthique de la recherche": true,
		"L'ADN de la région.":                  false, // covering: vetoes the words it covers
		"L'ADN de la région et ADN, le sigle.": true,
	} {
		if got := len(m.Match(Doc{Body: body})) > 0; got != want {
			t.Errorf("%q: matched %v, want %v", body, got, want)
		}
	}
}

func TestLongestAndFirst(t *testing.T) {
	m := defaultMatcher(t)
	d := Doc{
		Title: "Les agences réunies",
		Lead:  "Dijon Bourgogne Invest reçoit le Cner.",
		Body:  "Bourgogne Invest et DBI, à Dijon, accueillent le CNER. Le CNER remercie Dijon Bourgogne Invest.",
	}
	got := m.Match(d)
	if ids(got) != "dijon-bourgogne-invest cner" {
		t.Fatalf("found %q", ids(got))
	}
	dbi := got[0]
	if dbi.Field != model.FieldLead || dbi.Start != 0 || dbi.Matched != "Dijon Bourgogne Invest" || dbi.Alias != "Dijon Bourgogne Invest" {
		t.Errorf("first mention: %+v", dbi)
	}
	if dbi.Count != 4 {
		t.Errorf("count %d, want 4 (lead, Bourgogne Invest, DBI, the last full name)", dbi.Count)
	}
	if got[1].Count != 3 || got[1].Alias != "Cner" {
		t.Errorf("cner: %+v", got[1])
	}
	for _, mm := range got {
		if err := CheckMention(d, mm); err != nil {
			t.Error(err)
		}
	}
}

func TestSnippet(t *testing.T) {
	m := defaultMatcher(t)
	long := strings.Repeat("un mot ", 30) + "puis le CNER \t  parle " + strings.Repeat("encore et ", 30) + "fin."
	d := Doc{Body: "Première phrase. " + long + " Dernière phrase."}
	got := m.Match(d)
	if len(got) != 1 {
		t.Fatalf("found %q", ids(got))
	}
	s := got[0]
	if !strings.HasPrefix(s.Snippet, "… ") || !strings.HasSuffix(s.Snippet, " …") {
		t.Errorf("snippet not cut: %q", s.Snippet)
	}
	if n := len(strings.Fields(s.Snippet)); n > 36 {
		t.Errorf("snippet has %d words", n)
	}
	if strings.Contains(s.Snippet, "\t") || strings.Contains(s.Snippet, "  ") {
		t.Errorf("whitespace not collapsed: %q", s.Snippet)
	}
	if s.SnippetMarked("[", "]") == s.Snippet || !strings.Contains(s.SnippetMarked("[", "]"), "[CNER]") {
		t.Errorf("marked: %q", s.SnippetMarked("[", "]"))
	}
	// A short sentence is the snippet, without its neighbours.
	d = Doc{Body: "M. Dupont arrive. Le Cner\u00a0publie un baromètre. Autre chose."}
	got = m.Match(d)
	if got[0].Snippet != "Le Cner\u00a0publie un baromètre." {
		t.Errorf("snippet %q", got[0].Snippet)
	}
	if err := CheckMention(d, got[0]); err != nil {
		t.Error(err)
	}
}

func TestRoleTitles(t *testing.T) {
	m := defaultMatcher(t)
	date := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		date, body, want string
	}{
		{"2018-06-14", "Le président du CNER a plaidé pour les friches.", "frederic-cuvillier cner"},
		{"2024-01-25", "Le président du Cner a été reçu.", "francois-rebsamen cner"},
		{"2026-02-03", "Le président du CNER appelle les agences.", "jalil-benabdillah cner"},
		{"2012-05-01", "Le président du CNER a ouvert le congrès.", "pascal-allizard cner"},
		{"2016-03-03", "Le délégué général du CNER passe ses journées au ministère.", "antoine-angeard cner"},
		{"2024-03-12", "L'ancien président du CNER siège au jury.", "cner"},
		{"2025-05-22", "Le vice-président du CNER a présenté un plan.", "cner"},
		{"2009-09-01", "Le président du CNER a ouvert les travaux.", "cner"},
		{"2016-09-01", "Paul Dupont, président du CNER, a ouvert les travaux.", "cner"},
		{"2025-09-10", "Il fut président du CNER de 2015 à 2023.", "cner"},
		{"", "Le président du CNER souhaite mutualiser les outils.", "cner"},
		{"2024-01-25", "Le président du CNER-Luxembourg.", ""},
	} {
		d := Doc{Body: tc.body}
		if tc.date != "" {
			d.Published = date(tc.date)
		}
		if got := ids(m.Match(d)); got != tc.want {
			t.Errorf("%s %q: found %q, want %q", tc.date, tc.body, got, tc.want)
		}
	}
	// Two holders on the same day credit nobody.
	m = testMatcher(t,
		config.Entity{ID: "a", Name: "A", Kind: "person", Aliases: []config.Alias{{Text: "Alice Martin"}},
			Roles: []config.Role{{Title: "présidente du club", From: "2020", To: "2021-06"}}},
		config.Entity{ID: "b", Name: "B", Kind: "person", Aliases: []config.Alias{{Text: "Berthe Petit"}},
			Roles: []config.Role{{Title: "présidente du club", From: "2021-06"}}})
	d := Doc{Body: "La présidente du club a parlé.", Published: date("2021-06-15")}
	if got := m.Match(d); len(got) != 0 {
		t.Errorf("handover: found %q", ids(got))
	}
	x := m.Explain(d)
	if len(x) != 1 || x[0].Reason != ReasonRoleAmbiguous {
		t.Errorf("explain: %+v", x)
	}
}

func TestMentionRoles(t *testing.T) {
	m := defaultMatcher(t)
	for _, tc := range []struct {
		d      Doc
		entity string
		want   string
	}{
		{Doc{Title: "Jalil Benabdillah : « Les agences sont prêtes »", Body: "Le CNER veut une loi."}, "jalil-benabdillah", RoleInterviewed},
		{Doc{Title: "Entretien avec Antoine Angeard", Body: "Le délégué général répond."}, "antoine-angeard", RoleInterviewed},
		{Doc{Title: "Les agences", Body: "« Les territoires ont besoin d'ingénierie », insiste Antoine Angeard."}, "antoine-angeard", RoleQuoted},
		{Doc{Title: "Les agences", Body: "Le forum, organisé par le CNER, a réuni 600 personnes. Le CNER s'en félicite."}, "cner", RoleOrganiser},
		{Doc{Title: "L'industrie revient", Body: "Les usines reviennent. Le Cner l'a constaté. Les élus aussi."}, "cner", RolePassing},
		{Doc{Title: "Le CNER publie son baromètre", Body: "Les agences ont répondu."}, "cner", ""},
	} {
		var got *model.Mention
		for _, mm := range m.Match(tc.d) {
			if mm.EntityID == tc.entity {
				got = &mm
			}
		}
		if got == nil {
			t.Errorf("%q: %s not found", tc.d.Title, tc.entity)
			continue
		}
		if got.Role != tc.want {
			t.Errorf("%q %q: role %q, want %q", tc.d.Title, tc.d.Body, got.Role, tc.want)
		}
	}
}

func TestRelatedAndURL(t *testing.T) {
	m := defaultMatcher(t)
	d := Doc{Body: "Un article sur l'immobilier.\n\nLire aussi : Le CNER publie son baromètre\n\n• À lire également : DEV&CO22 à Nancy, forum des agences\n\nSur www.cner-france.com/CNER/actualites, rien."}
	if got := m.Match(d); len(got) != 0 {
		t.Errorf("found %q in related links and addresses", ids(got))
	}
	reasons := map[Reason]bool{}
	for _, x := range m.Explain(d) {
		reasons[x.Reason] = true
	}
	if !reasons[ReasonRelated] || !reasons[ReasonURL] {
		t.Errorf("explain reasons: %v", reasons)
	}
}

func TestExplain(t *testing.T) {
	m := defaultMatcher(t)
	for body, want := range map[string]string{
		"Le cner publie, le CNER aussi.":         `cner "cner" false case` + "\n" + `cner "CNER" true matched`,
		"Dev & Co recrute des développeurs web.": `devco "Dev & Co" false no_context`,
		"L'ADN normand.":                         `ad-normandie "ADN" false excluded`,
		"Le CNER luxembourgeois.":                `cner "CNER" false excluded`,
		"DEV&CO22, forum des agences.":           `devco "DEV&CO22" true context`,
	} {
		var lines []string
		for _, x := range m.Explain(Doc{Body: body}) {
			lines = append(lines, fmt.Sprintf("%s %q %v %s", x.EntityID, x.Matched, x.Kept, x.Reason))
			if x.Detail == "" {
				t.Errorf("%q: no detail", body)
			}
		}
		if got := strings.Join(lines, "\n"); got != want {
			t.Errorf("%q: explain:\n%s\nwant:\n%s", body, got, want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		entities []config.Entity
		want     string
	}{
		{[]config.Entity{{ID: "x", Name: "X", Kind: "club", Aliases: []config.Alias{{Text: "X"}}}}, `entity "x": kind "club"`},
		{[]config.Entity{{ID: "x", Name: "X", Kind: "member", Aliases: []config.Alias{{Text: " & ’ "}}}}, `entity "x": alias " & ’ "`},
		{[]config.Entity{{ID: "x", Name: "X", Kind: "member"}}, `entity "x": no alias`},
		{[]config.Entity{
			{ID: "x", Name: "X", Kind: "member", Aliases: []config.Alias{{Text: "Dev'Up"}}},
			{ID: "y", Name: "Y", Kind: "member", Aliases: []config.Alias{{Text: "dev up"}}},
		}, `entity "y": alias "dev up" is also an alias of "x"`},
		{[]config.Entity{{ID: "x", Name: "X", Kind: "person", Aliases: []config.Alias{{Text: "X Y"}},
			Roles: []config.Role{{Title: "président du club", From: "mars"}}}}, `entity "x": roles[0].from`},
		{[]config.Entity{{ID: "x", Name: "X", Kind: "member", Aliases: []config.Alias{{Text: "X", Context: []string{"--"}}}}}, `entity "x": alias "X": context`},
		{[]config.Entity{
			{ID: "x", Name: "X", Kind: "member", Aliases: []config.Alias{{Text: "X"}}},
			{ID: "x", Name: "X", Kind: "member", Aliases: []config.Alias{{Text: "Z"}}},
		}, `entity "x": duplicate id`},
	} {
		_, err := New(tc.entities)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "match: ") {
			t.Errorf("New: error %v, want one containing %q", err, tc.want)
		}
	}
	// A refinement of a member the roster lacks is skipped, not an error.
	m, err := New([]config.Entity{
		{ID: "ghost", Aliases: []config.Alias{{Text: "ADN", CaseSensitive: true}}},
		{ID: "x", Name: "X", Kind: "member", Aliases: []config.Alias{{Text: "Xylo"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Skipped(); len(s) != 1 || s[0] != "ghost" {
		t.Errorf("skipped %v", s)
	}
}

// TestConcurrent runs one matcher from many goroutines (go test -race).
func TestConcurrent(t *testing.T) {
	m := defaultMatcher(t)
	docs := []Doc{
		{Title: "Le Cner et DEV&CO22", Body: "Lorr'Up, l'Aderly et AD'OCC au forum des agences de développement."},
		{Body: "François Rebsamen, président du CNER, à Dijon avec Dijon Bourgogne Invest."},
		{Body: "Rien à signaler ici."},
	}
	want := make([]string, len(docs))
	for i, d := range docs {
		want[i] = fmt.Sprint(m.Match(d))
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				k := (g + i) % len(docs)
				if got := fmt.Sprint(m.Match(docs[k])); got != want[k] {
					t.Errorf("goroutine %d: %s, want %s", g, got, want[k])
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// TestRematch: matching a stored article again is Match on its fields,
// and a new alias finds past mentions.
func TestRematch(t *testing.T) {
	art := model.Article{Title: "Un nouveau membre", Text: "L'agence Vosges Attractivité rejoint le réseau."}
	doc := Doc{Title: art.Title, Lead: art.Lead, Body: art.Text, Published: art.Published}
	m := testMatcher(t, config.Entity{ID: "cner", Name: "CNER", Kind: "federation", Aliases: []config.Alias{{Text: "CNER"}}})
	if got := m.Match(doc); len(got) != 0 {
		t.Fatalf("found %q", ids(got))
	}
	m = testMatcher(t,
		config.Entity{ID: "cner", Name: "CNER", Kind: "federation", Aliases: []config.Alias{{Text: "CNER"}}},
		config.Entity{ID: "vosges", Name: "Vosges Attractivité", Kind: "member", Aliases: []config.Alias{{Text: "Vosges Attractivité"}}})
	if got := m.Match(doc); ids(got) != "vosges" {
		t.Errorf("rematch found %q", ids(got))
	}
}

// TestWorstCase: a megabyte on one line, full of candidates, role titles
// and context words, is matched in linear time.
func TestWorstCase(t *testing.T) {
	if testing.Short() {
		t.Skip("1 MB")
	}
	m := defaultMatcher(t)
	unit := "Le président du CNER, DEV&CO22 et Lorr'Up, l'ADN de Dev & Co, agence https://cner.lu/CNER, "
	body := strings.Repeat(unit, (1<<20)/len(unit))
	d := Doc{Body: body, Published: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	start := time.Now()
	got := m.Match(d)
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("1 MB of candidates took %v", el)
	}
	if ids(got) != "frederic-cuvillier cner devco lorr-up" {
		t.Errorf("found %q", ids(got))
	}
	for _, mm := range got {
		if err := CheckMention(d, mm); err != nil {
			t.Error(err)
		}
		if mm.Count < 10000 {
			t.Errorf("%s: count %d", mm.EntityID, mm.Count)
		}
	}
}
