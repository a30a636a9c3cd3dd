package index

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"golang.org/x/text/unicode/norm"
)

// foldName is the token filter that folds accents and ligatures and
// unifies apostrophes in terms. It works on terms, after tokenizing, so
// that the offsets of tokens in the original text stay right: highlights
// land on whole words.
const foldName = "veille_fold"

func init() {
	// Registering with bleve's registry is how a mapping names a custom
	// filter; the mapping stored in an index refers to it by name.
	if err := registry.RegisterTokenFilter(foldName, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return foldFilter{}, nil
	}); err != nil {
		panic(err)
	}
}

type foldFilter struct{}

func (foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if needsFold(t.Term) {
			t.Term = []byte(Fold(string(t.Term)))
		}
	}
	return in
}

func needsFold(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// Fold removes accents ("développement" → "developpement"), expands the
// ligatures of French ("œuvre" → "oeuvre") and writes every apostrophe as
// "'". It does not change case.
func Fold(s string) string {
	if !needsFold([]byte(s)) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == '’' || r == '‘' || r == 'ʼ' || r == '′' || r == '`' || r == '´':
			b.WriteByte('\'')
		case r == 'œ':
			b.WriteString("oe")
		case r == 'Œ':
			b.WriteString("OE")
		case r == 'æ':
			b.WriteString("ae")
		case r == 'Æ':
			b.WriteString("AE")
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ø':
			b.WriteByte('o')
		case r == 'Ø':
			b.WriteByte('O')
		case r == 'ł':
			b.WriteByte('l')
		case r == 'Ł':
			b.WriteByte('L')
		case r == 'đ':
			b.WriteByte('d')
		case r == 'Đ':
			b.WriteByte('D')
		default:
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// Normalize is the form of keyword values compared case- and
// accent-insensitively: folded, lower-cased, spaces collapsed. "Dév&co",
// "DEV&CO" and "dev&co" are the same.
func Normalize(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(Fold(s))), " ")
}
