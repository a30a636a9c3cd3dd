package match

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"Le Cner réunit ses agences au forum DEV&CO22 à Nancy.",
	"Lorr’Up, l'Aderly et d'AD'OCC ; Invest in Reims.",
	"Le président du CNER, Frédéric Cuvillier, « explique » : www.cner-france.com",
	"Lire aussi : Le CNER publie son baromètre\n\nL'ADN normand de l'agence.",
	"C.N.E.R. M. Dupont. Dév\u00ad&co 21\u00a0: fin…",
	"e\u0301\u0301\u0301 \ufeff\u200b&&&'’'",
	"\xff\xfe CNER \xc3",
	"DEV&CO2022abc Dev&Co22x 2022DEV&CO",
	strings.Repeat("a", 300) + " CNER",
}

// FuzzFold: the normaliser never panics, folds to lower-case words
// separated by single spaces, and folding twice changes nothing.
func FuzzFold(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Fold(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Fold(%q) = %q: invalid UTF-8", s, got)
		}
		if strings.Contains(got, "  ") || strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") {
			t.Fatalf("Fold(%q) = %q: bad spacing", s, got)
		}
		if again := Fold(got); again != got {
			t.Fatalf("Fold(%q) = %q, but Fold of that is %q", s, got, again)
		}
		// Words are found at valid offsets of s.
		for _, w := range words(s) {
			if w.start < 0 || w.end > len(s) || w.start >= w.end {
				t.Fatalf("word %+v outside %q", w, s)
			}
		}
	})
}

// FuzzMatch: Match never panics and every mention's offsets, texts and
// highlight agree with the document; Explain's offsets are valid too.
func FuzzMatch(f *testing.F) {
	m := defaultMatcher(f)
	for _, s := range fuzzSeeds {
		f.Add("Le CNER", "", s, int64(1700000000))
		f.Add(s, s, s, int64(0))
	}
	f.Fuzz(func(t *testing.T, title, lead, body string, unix int64) {
		d := Doc{Title: title, Lead: lead, Body: body}
		if unix != 0 {
			d.Published = time.Unix(unix%4e9, 0).UTC()
		}
		seen := map[string]bool{}
		for _, mm := range m.Match(d) {
			if err := CheckMention(d, mm); err != nil {
				t.Fatal(err)
			}
			if seen[mm.EntityID] {
				t.Fatalf("%s mentioned twice", mm.EntityID)
			}
			seen[mm.EntityID] = true
		}
		for _, x := range m.Explain(d) {
			text := map[string]string{"title": title, "lead": lead, "body": body}[x.Field]
			if x.Start < 0 || x.End > len(text) || x.Start >= x.End || text[x.Start:x.End] != x.Matched {
				t.Fatalf("explanation %+v outside the %s", x, x.Field)
			}
		}
	})
}
