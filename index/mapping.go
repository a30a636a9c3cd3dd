// Package index is the bleve search index over clippings: its mapping (French
// analysis with accents folded), indexing, a query language, search with
// highlights, facets and counts. It is derived from the store and can always
// be rebuilt from it.
package index

import (
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
)

// MappingVersion changes whenever the mapping or what is indexed does; an
// index built with another version is rebuilt from the store at open.
//
//	1: foundation (accents folded by a char filter: highlights shifted)
//	4: accents folded by a token filter, stop words folded, alias, month and
//	   day keyword fields, no _all field (queries name title, lead, text and
//	   authors), one date field
const MappingVersion = "4"

// frenchFolded is the analyzer of title, lead, text and authors: French
// elisions ("l'agence" → "agence"), case and accents folded, French stop
// words, light stemming. Accents are folded on terms, after tokenizing, so
// token offsets point into the original text and highlights are exact.
const frenchFolded = "fr_folded"

// Names of the folded stop-word list and its filter.
const (
	stopMapName    = "stop_fr_folded_map"
	stopFilterName = "stop_fr_folded"
)

// docType is the bleve type of clipping documents.
const docType = "clipping"

// Analyzer runs text through the analyzer of title and text, giving the
// terms the index holds (for tests and for explaining queries).
func Analyzer() (analysis.Analyzer, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	a := m.AnalyzerNamed(frenchFolded)
	if a == nil {
		return nil, fmt.Errorf("index: analyzer %s missing", frenchFolded)
	}
	return a, nil
}

// foldedStopWords is bleve's French stop-word list, each word also in its
// folded form, since stop words are removed after folding.
func foldedStopWords() ([]any, error) {
	tm := analysis.NewTokenMap()
	if err := tm.LoadBytes(fr.FrenchStopWords); err != nil {
		return nil, fmt.Errorf("index: stop words: %w", err)
	}
	seen := map[string]bool{}
	var out []any
	for w := range tm {
		for _, v := range []string{w, Fold(w)} {
			if v = strings.TrimSpace(v); v != "" && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out, nil
}

func newMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	words, err := foldedStopWords()
	if err != nil {
		return nil, err
	}
	if err := im.AddCustomTokenMap(stopMapName, map[string]any{"type": tokenmap.Name, "tokens": words}); err != nil {
		return nil, fmt.Errorf("index: stop words: %w", err)
	}
	if err := im.AddCustomTokenFilter(stopFilterName, map[string]any{"type": stop.Name, "stop_token_map": stopMapName}); err != nil {
		return nil, fmt.Errorf("index: stop filter: %w", err)
	}
	err = im.AddCustomAnalyzer(frenchFolded, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []any{lowercase.Name, fr.ElisionName, foldName, stopFilterName, fr.LightStemmerName},
	})
	if err != nil {
		return nil, fmt.Errorf("index: analyzer: %w", err)
	}
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = frenchFolded
		f.Store = store
		f.IncludeTermVectors = true // phrase queries and highlights need positions
		// No _all field: it would index the text a second time, with its
		// positions. Queries name the text fields (textFields).
		f.IncludeInAll = false
		return f
	}
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = true // facets
		return f
	}
	date := func(store bool) *mapping.FieldMapping {
		f := bleve.NewDateTimeFieldMapping()
		f.Store = store
		f.IncludeInAll = false
		f.DocValues = true // sort
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("title", text(true))
	dm.AddFieldMappingsAt("lead", text(false))
	dm.AddFieldMappingsAt("text", text(true))
	dm.AddFieldMappingsAt("authors", text(true))
	dm.AddFieldMappingsAt("outlet", kw(true))
	dm.AddFieldMappingsAt("scope", kw(true))
	dm.AddFieldMappingsAt("entity", kw(true))
	dm.AddFieldMappingsAt("kind", kw(false))
	dm.AddFieldMappingsAt("lang", kw(false))
	dm.AddFieldMappingsAt("year", kw(false))
	dm.AddFieldMappingsAt("month", kw(false))
	kwDay := kw(false)
	kwDay.DocValues = false // searched by term only (date-sorted windows)
	dm.AddFieldMappingsAt("day", kwDay)
	kwAlias := kw(false)
	kwAlias.DocValues = false
	dm.AddFieldMappingsAt("alias", kwAlias)
	dm.AddFieldMappingsAt("date", date(true))
	dm.AddFieldMappingsAt("url", stored())
	dm.AddFieldMappingsAt("outlet_name", stored())
	im.AddDocumentMapping(docType, dm)
	im.DefaultMapping = dm
	im.TypeField = "_type"
	im.DefaultAnalyzer = frenchFolded
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}
