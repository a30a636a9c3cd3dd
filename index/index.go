package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/cner/veille/internal/model"
)

// Index is the clippings' search index. It is safe for concurrent use.
type Index struct {
	idx bleve.Index
	loc *time.Location
}

const versionKey = "veille_mapping_version"

// ErrStale means the index on disk was built with another mapping.
var ErrStale = errors.New("index: built by another version of veille: run veille reindex")

// Open opens the index at path, creating it when absent. loc is the zone of
// yearly counts.
func Open(path string, loc *time.Location) (*Index, error) {
	if loc == nil {
		loc = time.UTC
	}
	idx, err := bleve.Open(path)
	switch {
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
		m, merr := newMapping()
		if merr != nil {
			return nil, merr
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		idx, err = bleve.New(path, m)
		if err != nil {
			return nil, fmt.Errorf("index: creating %s: %w", path, err)
		}
		if err := idx.SetInternal([]byte(versionKey), []byte(MappingVersion)); err != nil {
			idx.Close()
			return nil, fmt.Errorf("index: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("index: opening %s: %w", path, err)
	default:
		v, err := idx.GetInternal([]byte(versionKey))
		if err != nil {
			idx.Close()
			return nil, fmt.Errorf("index: %w", err)
		}
		if string(v) != MappingVersion {
			idx.Close()
			return nil, ErrStale
		}
	}
	return &Index{idx: idx, loc: loc}, nil
}

// Remove deletes the index at path (for a rebuild).
func Remove(path string) error {
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("index: removing %s: %w", path, err)
	}
	return nil
}

// Close closes the index.
func (ix *Index) Close() error {
	if err := ix.idx.Close(); err != nil {
		return fmt.Errorf("index: close: %w", err)
	}
	return nil
}

// document is what the index holds of a clipping.
type document struct {
	Type       string    `json:"_type"`
	Title      string    `json:"title"`
	Lead       string    `json:"lead,omitempty"`
	Text       string    `json:"text"`
	Authors    []string  `json:"authors,omitempty"`
	Outlet     string    `json:"outlet"`
	OutletName string    `json:"outlet_name"`
	Scope      string    `json:"scope"`
	Entity     []string  `json:"entity"`
	Kind       []string  `json:"kind"`
	Lang       string    `json:"lang,omitempty"`
	Year       string    `json:"year"`
	Story      string    `json:"story"`
	Published  time.Time `json:"published,omitzero"`
	FirstSeen  time.Time `json:"first_seen"`
	Date       time.Time `json:"date"`
	URL        string    `json:"url"`
}

// DocID is the index id of a clipping.
func DocID(id int64) string { return strconv.FormatInt(id, 10) }

func (ix *Index) toDocument(c *model.Clipping) document {
	return document{
		Type:       docType,
		Title:      c.Title,
		Text:       c.Text,
		Authors:    c.Authors,
		Outlet:     c.OutletID,
		OutletName: c.OutletName,
		Scope:      string(c.Scope),
		Entity:     c.EntityIDs(),
		Kind:       c.EntityKindsMentioned(),
		Lang:       c.Lang,
		Year:       strconv.Itoa(c.Date().In(ix.loc).Year()),
		Story:      strconv.FormatUint(c.Simhash>>48, 16),
		Published:  c.Published,
		FirstSeen:  c.FirstSeen,
		Date:       c.Date(),
		URL:        c.URL,
	}
}

// Apply indexes the given clippings and removes the given ids, in one batch.
func (ix *Index) Apply(ctx context.Context, put []*model.Clipping, del []int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	b := ix.idx.NewBatch()
	for _, c := range put {
		if err := b.Index(DocID(c.ID), ix.toDocument(c)); err != nil {
			return fmt.Errorf("index: clipping %d: %w", c.ID, err)
		}
	}
	for _, id := range del {
		b.Delete(DocID(id))
	}
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("index: batch: %w", err)
	}
	return nil
}

// DocCount returns the number of indexed clippings.
func (ix *Index) DocCount() (uint64, error) {
	n, err := ix.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("index: doc count: %w", err)
	}
	return n, nil
}

// Has reports whether a clipping is in the index.
func (ix *Index) Has(id int64) (bool, error) {
	d, err := ix.idx.Document(DocID(id))
	if err != nil {
		return false, fmt.Errorf("index: document %d: %w", id, err)
	}
	return d != nil, nil
}
