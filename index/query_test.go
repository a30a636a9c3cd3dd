package index

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cner/veille/internal/model"
)

// queryCorpus is a small index on which the query language is checked.
func queryCorpus(t testing.TB) *Index {
	t.Helper()
	ix := openIndex(t)
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 10, 0, 0, 0, time.UTC) }
	mention := func(id, kind, alias, matched string) model.Mention {
		return model.Mention{EntityID: id, EntityKind: model.EntityKind(kind), Alias: alias, Matched: matched}
	}
	docs := []*model.Clipping{
		{ID: 1, OutletID: "lesechos", OutletName: "Les Échos", Scope: "national", Title: "Le CNER réunit les agences",
			Text: "Le Cner, fédération des agences de développement, se réunit à Paris.", Published: d(2021, 3, 4),
			Authors: []string{"Marie Durand"}, Mentions: []model.Mention{mention("cner", "federation", "Cner", "Cner")}},
		{ID: 2, OutletID: "estrep", OutletName: "L'Est Républicain", Scope: "regional", Title: "Forum à Nancy",
			Text: "Le forum DEV&CO22 se tient à Nancy avec Lorr’Up et l'Aderly.", Published: d(2022, 11, 20),
			Mentions: []model.Mention{mention("devco", "event", "DEV&CO", "DEV&CO22"), mention("lorr-up", "member", "Lorr'Up", "Lorr’Up")}},
		{ID: 3, OutletID: "lesechos", OutletName: "Les Échos", Scope: "national", Title: "Comité d'éthique au Luxembourg",
			Text: "Le CNER luxembourgeois rend un avis sur la recherche.", Published: d(2021, 6, 1)},
		{ID: 4, OutletID: "gazette", OutletName: "La Gazette", Scope: "trade", Title: "Dév&co, le rendez-vous des développeurs",
			Text: "Le forum Dév&co réunit les agences de développement économique des Hauts-de-France.", Published: d(2023, 9, 12),
			Authors: []string{"Jean Martin"}, Mentions: []model.Mention{mention("devco", "event", "Dév&co", "Dév&co")}},
		{ID: 5, OutletID: "gazette", OutletName: "La Gazette", Scope: "trade", Title: "Une œuvre collective",
			Text: "Les élus saluent l'œuvre des développeurs économiques ; le CNER applaudit.", Published: d(2021, 12, 31),
			Mentions: []model.Mention{mention("cner", "federation", "CNER", "CNER")}},
	}
	if err := ix.Apply(context.Background(), docs, nil); err != nil {
		t.Fatal(err)
	}
	return ix
}

func ids(res *Results) string {
	var b []string
	for _, h := range res.Hits {
		b = append(b, string(rune('0'+h.ID)))
	}
	// Order-independent.
	s := []rune(strings.Join(b, ""))
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return string(s)
}

func TestQueryLanguage(t *testing.T) {
	ix := queryCorpus(t)
	ctx := context.Background()
	for _, tc := range []struct{ q, want string }{
		{"cner", "135"},
		{"CNER", "135"},
		{"Cner AND outlet:lesechos", "13"},
		{"cner ET outlet:lesechos", "13"},
		{"cner outlet:lesechos", "13"}, // AND is implied
		{"cner -luxembourg", "15"},
		{"cner NOT luxembourg", "15"},
		{"cner SAUF luxembourgeois", "15"},
		{"cner AND NOT outlet:lesechos", "5"},
		{"-cner", "24"},
		{"nancy OR luxembourg", "23"},
		{"nancy OU luxembourg", "23"},
		{"(nancy OR luxembourg) AND scope:national", "3"},
		{"(nancy OR luxembourg) scope:regional", "2"},
		{`"agences de développement"`, "14"},
		{`"agence de developpement"`, "14"}, // stemming and folding inside phrases
		{`« agences de développement »`, "14"},
		{`"développement agences"`, ""}, // order matters in a phrase
		{"developpement", "14"},
		{"DÉVELOPPEMENT", "14"},
		{"aderly", "2"}, // elision l'
		{"oeuvre", "5"}, // ligature
		{"œuvre", "5"},  // ligature
		{"luxembourg*", "3"},
		{"DEV&CO", "24"},  // alias as written, with and without edition
		{"Dév&co", "24"},  // accents in an alias
		{"dev&co", "24"},  //
		{"DEV&CO22", "2"}, // this edition only
		{"Lorr'Up", "2"},  // straight apostrophe finds the curly one
		{"Lorr’Up", "2"},  //
		{"Hauts-de-France", "4"},
		{"entity:devco", "24"},
		{"entité:devco", "24"},
		{"kind:member", "2"},
		{"type:evenement", "24"},
		{"scope:national", "13"},
		{"portée:régionale", "2"},
		{"year:2021", "135"},
		{"year:2022..2023", "24"},
		{"date:2021-03", "1"},
		{"date:2021-06..2021-12", "35"},
		{"date:2022..", "24"},
		{"month:2022-11", "2"},
		{"title:forum", "2"},
		{"titre:cner", "1"},
		{"text:forum", "24"},
		{"author:durand", "1"},
		{"auteur:martin", "4"},
		{`title:"rendez-vous des développeurs"`, "4"},
		{"title:(forum OR œuvre)", "25"},
		{"le", ""},
		{"cner le", "135"}, // stop words are ignored
		{"12:30", ""},      // not a field
		{"Nancy - Metz", ""},
		{"cner - fédération", "1"}, // a dash between spaces is punctuation
	} {
		res, err := ix.Search(ctx, Query{Text: tc.q, Size: 50})
		if tc.q == "le" {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Errorf("%q: want a query error, got %v", tc.q, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.q, err)
			continue
		}
		if got := ids(res); got != tc.want {
			t.Errorf("%q: hits %q, want %q", tc.q, got, tc.want)
		}
		if int(res.Total) != len(tc.want) {
			t.Errorf("%q: total %d, want %d", tc.q, res.Total, len(tc.want))
		}
	}
}

func TestQueryErrors(t *testing.T) {
	ix := queryCorpus(t)
	ctx := context.Background()
	for _, tc := range []struct{ q, want string }{
		{`"agences de`, "guillemet non fermé"},
		{`« agences`, "guillemet non fermé"},
		{`(cner OR nancy`, "parenthèse non fermée"},
		{`cner)`, "parenthèse fermante sans parenthèse ouvrante"},
		{`()`, "terme attendu"},
		{`cner AND`, "doit être suivi d'un terme"},
		{`AND cner`, "doit relier deux termes"},
		{`cner OR`, "doit être suivi d'un terme"},
		{`OR cner`, "terme attendu"},
		{`cner NOT`, "doit être suivi d'un terme"},
		{`foo:bar`, "champ inconnu « foo »"},
		{`http://example.fr`, "champ inconnu « http »"},
		{`outlet:`, "valeur attendue"},
		{`outlet: lesechos`, "valeur attendue"},
		{`year:21`, "attendu AAAA"},
		{`year:2023..2021`, "à l'envers"},
		{`date:2021-13`, "attendu AAAA"},
		{`date:2022..2021`, "à l'envers"},
		{`month:mars`, "AAAA-MM"},
		{`a*b*`, "en fin de mot"},
		{`de*`, "trois lettres"},
		{`title:(outlet:x)`, "dans un autre champ"},
		{strings.Repeat("(", 40) + "cner" + strings.Repeat(")", 40), "imbriquées"},
		{strings.Repeat("cner ", 100), "trop complexe"},
		{strings.Repeat("x", MaxQueryBytes+1), "trop longue"},
		{"caf\xe9", "UTF-8"},
		{"le la les", "aucun mot à chercher"},
		{"!!!", "aucun mot à chercher"},
	} {
		_, err := ix.Search(ctx, Query{Text: tc.q})
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("%q: want a QueryError, got %v", tc.q, err)
			continue
		}
		if !strings.Contains(qe.Message(), tc.want) {
			t.Errorf("%q: message %q, want it to contain %q", tc.q, qe.Message(), tc.want)
		}
	}
}

// FuzzParseQuery: no input makes the parser panic, every refusal is a
// QueryError, and every accepted query runs.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"cner", `"a b" OR (c -d)`, "outlet:x AND NOT y", `((("`, `a:`, `-`, `- -a`,
		"date:2021..", "year:..", `«»`, "title:(a OR (b", "NOT NOT NOT", "a OR OR b", "ET OU SAUF", "*", "é*",
		"\x00", "a\u2028b", "DEV&CO22", `"`, ")(", "outlet:\"", "x:y:z", "title:title:a"} {
		f.Add(s)
	}
	ix := queryCorpus(f)
	f.Fuzz(func(t *testing.T, s string) {
		done := make(chan bool)
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				panic(fmt.Sprintf("query %q takes more than 3 s", s))
			}
		}()
		q, err := parseQuery(s, time.UTC, ix.analyzer)
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("%q: error %v is no QueryError", s, err)
			}
			if !utf8.ValidString(qe.Message()) && utf8.ValidString(s) {
				t.Fatalf("%q: invalid message", s)
			}
			return
		}
		if q == nil {
			t.Fatalf("%q: nil query without error", s)
		}
		if _, err := ix.Search(context.Background(), Query{Text: s, Size: 5}); err != nil {
			t.Fatalf("%q: parsed but search failed: %v", s, err)
		}
	})
}

// TestHighlightsOnWholeWords: accents are folded after tokenizing, so the
// marks cover whole words of the original text and never cut a character.
func TestHighlightsOnWholeWords(t *testing.T) {
	ix := queryCorpus(t)
	ctx := context.Background()
	for _, tc := range []struct {
		q    string
		id   int64
		want []string // marked words, as written
	}{
		{"developpement", 1, []string{"développement"}},
		{"économique", 4, []string{"économique"}},
		{"oeuvre", 5, []string{"œuvre"}},
		{"aderly", 2, []string{"l&#39;Aderly"}}, // the elided article is part of the token
		{`"agences de développement"`, 4, []string{"agences", "développement"}},
		{"DEV&CO22", 2, []string{"DEV&amp;CO22"}}, // one mark for the whole name
		{"Dév&co", 4, []string{"Dév&amp;co"}},
		{"Lorr'Up", 2, []string{"Lorr’Up"}},
		{"cner", 5, []string{"CNER"}},
	} {
		res, err := ix.Search(ctx, Query{Text: tc.q, Size: 50})
		if err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		var hit *Hit
		for i := range res.Hits {
			if res.Hits[i].ID == tc.id {
				hit = &res.Hits[i]
			}
		}
		if hit == nil {
			t.Errorf("%q: clipping %d not found", tc.q, tc.id)
			continue
		}
		all := strings.Join(hit.Fragments, " ")
		if !utf8.ValidString(all) {
			t.Errorf("%q: fragments are not valid UTF-8: %q", tc.q, all)
		}
		var marked []string
		for rest := all; ; {
			i := strings.Index(rest, "<mark>")
			if i < 0 {
				break
			}
			j := strings.Index(rest[i:], "</mark>")
			if j < 0 {
				t.Fatalf("%q: unclosed mark in %q", tc.q, all)
			}
			marked = append(marked, rest[i+len("<mark>"):i+j])
			// The character before a mark is not a letter (a whole word).
			if i > 0 {
				r, _ := utf8.DecodeLastRuneInString(rest[:i])
				if unicode.IsLetter(r) {
					t.Errorf("%q: mark starts inside a word: %q", tc.q, all)
				}
			}
			rest = rest[i+j+len("</mark>"):]
			if r, _ := utf8.DecodeRuneInString(rest); unicode.IsLetter(r) {
				t.Errorf("%q: mark ends inside a word: %q", tc.q, all)
			}
		}
		for _, w := range tc.want {
			found := false
			for _, m := range marked {
				if m == w {
					found = true
				}
			}
			if !found {
				t.Errorf("%q: %q not marked in %q (marked %q)", tc.q, w, all, marked)
			}
		}
	}
}

// TestHighlightEscapes: text from the press is escaped in fragments.
func TestHighlightEscapes(t *testing.T) {
	ix := openIndex(t)
	ctx := context.Background()
	c := clip(1, "x", "national", "Titre", `Le <script>alert("cner")</script> & le CNER à Nancy.`, time.Now(), "cner")
	if err := ix.Apply(ctx, []*model.Clipping{c}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, Query{Text: "nancy"})
	if err != nil || res.Total != 1 {
		t.Fatalf("%v %v", res, err)
	}
	f := strings.Join(res.Hits[0].Fragments, "")
	if strings.Contains(f, "<script>") || !strings.Contains(f, "&lt;script&gt;") || !strings.Contains(f, "<mark>Nancy</mark>") {
		t.Errorf("fragment not escaped or not marked: %q", f)
	}
}

// TestDateOrderByWindows: date-sorted pages read month by month are the
// pages of one sort over every hit.
func TestDateOrderByWindows(t *testing.T) {
	ctx := context.Background()
	ix := openIndex(t)
	rng := rand.New(rand.NewPCG(3, 3))
	words := []string{"agence", "forum", "friche", "usine", "emploi"}
	var docs []*model.Clipping
	for i := 1; i <= 400; i++ {
		d := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
		if i%50 == 0 {
			d = docs[len(docs)-1].Published // same date: ties broken by id
		}
		text := words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]
		if i%97 == 0 {
			text += " rarissime"
		}
		docs = append(docs, clip(int64(i), []string{"a", "b", "c"}[i%3], "national", "t", text, d, "cner"))
	}
	if err := ix.Apply(ctx, docs, nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{{}, {Text: "agence"}, {Text: "rarissime"}, {Text: "forum", Outlet: "b"},
		{Text: "usine", From: time.Date(2020, 3, 15, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 2, 1, 0, 0, 0, 0, time.UTC)},
		{Text: "introuvable"}} {
		for _, page := range [][2]int{{0, 20}, {0, 7}, {7, 7}, {40, 10}, {0, 300}} {
			q.Offset, q.Size = page[0], page[1]
			got, err := ix.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			req, err := ix.request(q)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ix.idx.Search(req)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != want.Total || len(got.Hits) != len(want.Hits) {
				t.Fatalf("%+v: %d hits of %d, want %d of %d", q, len(got.Hits), got.Total, len(want.Hits), want.Total)
			}
			for i := range got.Hits {
				if DocID(got.Hits[i].ID) != want.Hits[i].ID {
					t.Fatalf("%+v: hit %d is %d, want %s", q, i, got.Hits[i].ID, want.Hits[i].ID)
				}
			}
		}
	}
}

// TestCountUpTo: counting stops at the limit and says whether more remain.
func TestCountUpTo(t *testing.T) {
	ctx := context.Background()
	ix := queryCorpus(t)
	req, err := ix.request(Query{Text: "cner"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		limit  int
		n      uint64
		capped bool
	}{{10, 3, false}, {3, 3, false}, {2, 2, true}, {0, 0, true}} {
		n, capped, err := ix.countUpTo(ctx, req.Query, tc.limit)
		if err != nil || n != tc.n || capped != tc.capped {
			t.Errorf("limit %d: %d %v %v, want %d %v", tc.limit, n, capped, err, tc.n, tc.capped)
		}
	}
}

// TestQueryPeriod: the period a query's top-level date clauses require.
func TestQueryPeriod(t *testing.T) {
	a, err := Analyzer()
	if err != nil {
		t.Fatal(err)
	}
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		q    string
		want Period
	}{
		{"friche year:2021", Period{d(2021, 1, 1), d(2022, 1, 1)}},
		{"year:2021 date:2021-03..2021-06 cner", Period{d(2021, 3, 1), d(2021, 7, 1)}},
		{"month:2022-02", Period{d(2022, 2, 1), d(2022, 3, 1)}},
		{"date:2020..", Period{From: d(2020, 1, 1)}},
		{"(year:2021 OR year:2022) cner", Period{}},
		{"cner -year:2021", Period{}},
		{"cner OR year:2021", Period{}},
		{"cner", Period{}},
	} {
		_, got, err := parseQueryPeriod(tc.q, time.UTC, a)
		if err != nil || !got.From.Equal(tc.want.From) || !got.To.Equal(tc.want.To) {
			t.Errorf("%q: %+v %v, want %+v", tc.q, got, err, tc.want)
		}
	}
}
