package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/cner/veille/internal/model"
)

// Index is the clippings' search index. It is safe for concurrent use.
type Index struct {
	path     string
	idx      bleve.Index
	loc      *time.Location
	analyzer analysis.Analyzer // of title and text, for parsing queries
	facets   facetState
}

const (
	versionKey    = "veille_mapping_version"
	generationKey = "veille_generation"
)

// ErrStale means the index on disk was built with another mapping.
var ErrStale = errors.New("index: built by another version of veille: run veille reindex")

// ErrInUse means another process holds the index open: bleve allows one
// process per index. Opening waits LockWait for it before giving up.
var ErrInUse = errors.New("index: in use by another process")

// ErrBroken means the index directory is not a whole index: what a crash
// while an older veille created or removed it, or a damaged disk, leaves.
// The index is derived from the store: remove it and rebuild.
var ErrBroken = errors.New("index: incomplete or damaged")

// LockWait is how long Open waits for another process to release the index.
const LockWait = 1500 * time.Millisecond

// Open opens the index at path, creating it when absent. loc is the zone of
// the year and month fields. An index built with another MappingVersion
// gives ErrStale, a directory that is not a whole index ErrBroken: see
// OpenOrRebuild.
func Open(path string, loc *time.Location) (*Index, error) {
	if loc == nil {
		loc = time.UTC
	}
	idx, err := openExisting(path)
	switch {
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist):
		if idx, err = create(path); err != nil {
			return nil, err
		}
	case errors.Is(err, bleve.ErrorIndexMetaMissing), errors.Is(err, bleve.ErrorIndexMetaCorrupt):
		return nil, fmt.Errorf("%w: %w", ErrBroken, err)
	case err != nil:
		return nil, err
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
	ix := &Index{path: path, loc: loc}
	if err := ix.attach(idx); err != nil {
		return nil, err
	}
	return ix, nil
}

// OpenOrRebuild opens the index at path as Open does, but replaces an
// index of another mapping (ErrStale) or a broken one (ErrBroken) by a new,
// empty one: its new generation makes the store index everything again.
// discarded tells why the old index was replaced, nil when none was.
func OpenOrRebuild(path string, loc *time.Location) (ix *Index, discarded, err error) {
	ix, err = Open(path, loc)
	if !errors.Is(err, ErrStale) && !errors.Is(err, ErrBroken) {
		return ix, nil, err
	}
	discarded = err
	if err := Remove(path); err != nil {
		return nil, discarded, err
	}
	ix, err = Open(path, loc)
	return ix, discarded, err
}

func (ix *Index) attach(idx bleve.Index) error {
	a := idx.Mapping().AnalyzerNamed(frenchFolded)
	if a == nil {
		idx.Close()
		return fmt.Errorf("index: %s: analyzer %s missing: %w", ix.path, frenchFolded, ErrStale)
	}
	ix.idx, ix.analyzer = idx, a
	return nil
}

// create makes a new, empty index at path, which must not exist. The index
// is built aside (path.new) and renamed into place once whole, so that a
// crash at any moment leaves either no index or a complete, empty one.
func create(path string) (bleve.Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	if err := removeLeftovers(path); err != nil {
		return nil, err
	}
	aside := fmt.Sprintf("%s%s%d", path, asideInfix, os.Getpid())
	if err := os.RemoveAll(aside); err != nil {
		return nil, fmt.Errorf("index: removing %s: %w", aside, err)
	}
	idx, err := bleve.New(aside, m)
	if err != nil {
		return nil, fmt.Errorf("index: creating %s: %w", aside, err)
	}
	// A new index has a new generation: the store, seeing another
	// generation than the one it indexed into, indexes everything again.
	gen := strconv.FormatInt(time.Now().UnixNano(), 36)
	err = errors.Join(
		idx.SetInternal([]byte(versionKey), []byte(MappingVersion)),
		idx.SetInternal([]byte(generationKey), []byte(gen)))
	if cerr := idx.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = syncTree(aside)
	}
	if err != nil {
		return nil, fmt.Errorf("index: creating %s: %w", aside, err)
	}
	if err := os.Rename(aside, path); err != nil {
		// Another process created the index first: use that one.
		if _, serr := os.Stat(filepath.Join(path, "index_meta.json")); serr == nil {
			if rerr := os.RemoveAll(aside); rerr != nil {
				return nil, fmt.Errorf("index: removing %s: %w", aside, rerr)
			}
			return openExisting(path)
		}
		return nil, fmt.Errorf("index: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return openExisting(path)
}

// asideInfix names the directories where an index is built before it is
// renamed into place: path + asideInfix + the builder's pid.
const asideInfix = ".new-"

// removeLeftovers deletes what crashed builds and removals left beside
// path: indexes built aside more than a minute ago (a build takes
// milliseconds) and a removed index not yet deleted.
func removeLeftovers(path string) error {
	aside, err := filepath.Glob(path + asideInfix + "*")
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	for _, p := range aside {
		if fi, err := os.Stat(p); err != nil || time.Since(fi.ModTime()) < time.Minute {
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("index: removing %s: %w", p, err)
		}
	}
	if err := os.RemoveAll(path + trashSuffix); err != nil {
		return fmt.Errorf("index: removing %s: %w", path+trashSuffix, err)
	}
	return nil
}

// trashSuffix names where Remove moves an index before deleting its files.
const trashSuffix = ".old"

// openExisting opens the whole index at path, waiting LockWait for another
// process that holds it.
func openExisting(path string) (bleve.Index, error) {
	idx, err := bleve.OpenUsing(path, map[string]any{"bolt_timeout": LockWait.String()})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("index: opening %s: %w", path, ErrInUse)
	case err != nil:
		return nil, fmt.Errorf("index: opening %s: %w", path, err)
	}
	return idx, nil
}

// syncTree flushes every file and directory under root to disk (bleve
// does not sync its metadata file).
func syncTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		serr := f.Sync()
		return errors.Join(serr, f.Close())
	})
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if err := errors.Join(d.Sync(), d.Close()); err != nil {
		return fmt.Errorf("index: syncing %s: %w", dir, err)
	}
	return nil
}

// Reset replaces the index with a new, empty one (a rebuild): the index
// sync then indexes every clipping again. Searches must not run meanwhile.
func (ix *Index) Reset() (err error) {
	defer func() { err = errors.Join(err, ix.wrote()) }()
	if err := ix.closeFacets(); err != nil {
		return err
	}
	if err := ix.idx.Close(); err != nil {
		return fmt.Errorf("index: close: %w", err)
	}
	if err := Remove(ix.path); err != nil {
		return err
	}
	idx, err := create(ix.path)
	if err != nil {
		return err
	}
	return ix.attach(idx)
}

// Path is where the index lives.
func (ix *Index) Path() string { return ix.path }

// Generation identifies this index: it changes whenever the index is
// created anew (first start, rebuild, lost or deleted directory).
func (ix *Index) Generation() (string, error) {
	v, err := ix.idx.GetInternal([]byte(generationKey))
	if err != nil {
		return "", fmt.Errorf("index: generation: %w", err)
	}
	if len(v) == 0 {
		// An index of the first versions: give it one now.
		v = []byte(strconv.FormatInt(time.Now().UnixNano(), 36))
		if err := ix.idx.SetInternal([]byte(generationKey), v); err != nil {
			return "", fmt.Errorf("index: generation: %w", err)
		}
	}
	return string(v), nil
}

// EachID calls fn with the clipping id of every document in the index, in
// no particular order.
func (ix *Index) EachID(ctx context.Context, fn func(id int64) error) error {
	adv, err := ix.idx.Advanced()
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("index: reader: %w", err)
	}
	defer r.Close()
	all, err := r.DocIDReaderAll()
	if err != nil {
		return fmt.Errorf("index: reader: %w", err)
	}
	defer all.Close()
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("index: %w", err)
			}
		}
		iid, err := all.Next()
		if err != nil {
			return fmt.Errorf("index: reading ids: %w", err)
		}
		if iid == nil {
			return nil
		}
		ext, err := r.ExternalID(iid)
		if err != nil {
			return fmt.Errorf("index: reading ids: %w", err)
		}
		id, err := strconv.ParseInt(ext, 10, 64)
		if err != nil {
			return fmt.Errorf("index: document id %q: %w", ext, err)
		}
		if err := fn(id); err != nil {
			return err
		}
	}
}

// Remove deletes the index at path (for a rebuild). The directory is first
// renamed aside (path.old), at once, so that a crash while its files are
// deleted never leaves a partial index at path.
func Remove(path string) error {
	trash := path + trashSuffix
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("index: removing %s: %w", trash, err)
	}
	switch err := os.Rename(path, trash); {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("index: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("index: removing %s: %w", trash, err)
	}
	return nil
}

// Close closes the index.
func (ix *Index) Close() error {
	ferr := ix.closeFacets()
	if err := ix.idx.Close(); err != nil {
		return errors.Join(ferr, fmt.Errorf("index: close: %w", err))
	}
	return ferr
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
	Month      string    `json:"month"`
	Day        string    `json:"day"`
	Alias      []string  `json:"alias,omitempty"`
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
		Month:      c.Date().In(ix.loc).Format("2006-01"),
		Day:        c.Date().In(ix.loc).Format("2006-01-02"),
		Alias:      aliasValues(c),
		Date:       c.Date(),
		URL:        c.URL,
	}
}

// aliasValues are the spellings under which the clipping's entities were
// found, normalized (see Normalize), so that a search for "DEV&CO",
// "Dév&co" or "DEV&CO22" finds them as written even though the text
// analyzer splits words on "&": the watch-list alias ("dev&co", "forum
// dev&co"), the words as the article wrote them ("forum dev&co23"), each
// word of those that joins letters with "&", "'" or "-" ("dev&co23"), and
// that word without an edition number ("dev&co").
func aliasValues(c *model.Clipping) []string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, m := range c.Mentions {
		for _, s := range []string{m.Alias, m.Matched} {
			n := Normalize(s)
			add(n)
			add(trimEdition(n))
			for _, w := range strings.Fields(n) {
				if strings.ContainsAny(w, "&'-") {
					add(w)
					add(trimEdition(w))
				}
			}
		}
	}
	return out
}

// trimEdition removes an edition number ("dev&co22" → "dev&co"), when
// what precedes it is not a number itself.
func trimEdition(s string) string {
	t := strings.TrimRight(s, "0123456789")
	t = strings.TrimRight(t, " ")
	if t == "" || len(t) == len(s) || strings.IndexFunc(t[len(t)-1:], func(r rune) bool { return r >= '0' && r <= '9' }) >= 0 {
		return s
	}
	return t
}

// Apply indexes the given clippings and removes the given ids, in one batch.
func (ix *Index) Apply(ctx context.Context, put []*model.Clipping, del []int64) (err error) {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer func() { // after the batch: a facet table built meanwhile is rebuilt
		err = errors.Join(err, ix.wrote())
	}()
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
