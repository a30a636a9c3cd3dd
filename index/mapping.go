// Package index is the bleve search index over clippings: its mapping (French
// analysis with accents folded), indexing, search with highlights and facets.
// It is derived from the store and can always be rebuilt from it.
package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// MappingVersion changes whenever the mapping does; an index built with
// another version must be rebuilt (veille reindex).
const MappingVersion = "1"

// frenchFolded is the analyzer of title and text: French elisions and stop
// words, light stemming, and accents folded so that "developpement" finds
// "développement".
const frenchFolded = "fr_folded"

// docType is the bleve type of clipping documents.
const docType = "clipping"

func newMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	err := im.AddCustomAnalyzer(frenchFolded, map[string]any{
		"type":          custom.Name,
		"char_filters":  []string{asciifolding.Name},
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name, fr.ElisionName, fr.StopName, fr.LightStemmerName},
	})
	if err != nil {
		return nil, fmt.Errorf("index: analyzer: %w", err)
	}
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = frenchFolded
		f.Store = store
		f.IncludeTermVectors = store // highlighting needs positions of stored fields
		f.IncludeInAll = true
		return f
	}
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeInAll = false
		f.DocValues = true
		return f
	}
	date := func() *mapping.FieldMapping {
		f := bleve.NewDateTimeFieldMapping()
		f.Store = true
		f.IncludeInAll = false
		f.DocValues = true
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
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
	dm.AddFieldMappingsAt("kind", kw(true))
	dm.AddFieldMappingsAt("lang", kw(true))
	dm.AddFieldMappingsAt("year", kw(true))
	dm.AddFieldMappingsAt("story", kw(true))
	dm.AddFieldMappingsAt("published", date())
	dm.AddFieldMappingsAt("first_seen", date())
	dm.AddFieldMappingsAt("date", date())
	dm.AddFieldMappingsAt("url", stored())
	dm.AddFieldMappingsAt("outlet_name", stored())
	im.AddDocumentMapping(docType, dm)
	im.DefaultMapping = dm
	im.TypeField = "_type"
	im.DefaultAnalyzer = frenchFolded
	return im, nil
}
