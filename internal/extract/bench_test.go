package extract

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/PuerkitoBio/goquery"
	"github.com/markusmobius/go-trafilatura"
)

// benchPages returns the pages the benchmarks run on: the first 60 pages of
// the article-extraction benchmark when the evaluation data is there
// ($VEILLE_EVAL_DIR, else ../../../shared/eval), else the golden pages of
// testdata/.
func benchPages(b *testing.B) [][]byte {
	b.Helper()
	dir := os.Getenv("VEILLE_EVAL_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "eval")
	}
	var pages [][]byte
	files, _ := filepath.Glob(filepath.Join(dir, "article-extraction", "html", "*.html.gz"))
	sort.Strings(files)
	for _, f := range files {
		if len(pages) == 60 {
			break
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, body)
	}
	if len(pages) == 0 {
		golden, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
		for _, f := range golden {
			body, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			pages = append(pages, body)
		}
	}
	if len(pages) == 0 {
		b.Skip("no pages to benchmark")
	}
	return pages
}

func runPages(b *testing.B, fn func([]byte) error) {
	pages := benchPages(b)
	var size int64
	for _, p := range pages {
		size += int64(len(p))
	}
	b.SetBytes(size / int64(len(pages)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := fn(pages[i%len(pages)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoqueryParse is the reference: a bare parse of the page.
func BenchmarkGoqueryParse(b *testing.B) {
	runPages(b, func(p []byte) error {
		_, err := goquery.NewDocumentFromReader(bytes.NewReader(p))
		return err
	})
}

func BenchmarkExtract(b *testing.B) {
	runPages(b, func(p []byte) error {
		_, err := Extract(p, "https://www.example.com/article.html", Options{})
		return err
	})
}

func BenchmarkTrafilatura(b *testing.B) {
	u, _ := url.Parse("https://www.example.com/article.html")
	runPages(b, func(p []byte) error {
		_, err := trafilatura.Extract(bytes.NewReader(p), trafilatura.Options{
			OriginalURL: u, ExcludeComments: true, HtmlDateMode: trafilatura.Disabled,
		})
		if err != nil && strings.Contains(err.Error(), "text and comments are not long enough") {
			return nil
		}
		return err
	})
}

func BenchmarkReadability(b *testing.B) {
	u, _ := url.Parse("https://www.example.com/article.html")
	runPages(b, func(p []byte) error {
		parser := readability.NewParser()
		_, err := parser.Parse(bytes.NewReader(p), u)
		return err
	})
}
