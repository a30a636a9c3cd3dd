package crawler

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// evalDir finds the third-party evaluation data (../shared/eval), which is
// never committed: tests that need it skip when it is absent.
func evalDir(t *testing.T) string {
	t.Helper()
	for _, d := range []string{os.Getenv("VEILLE_EVAL_DIR"), "../../shared/eval", "../../../shared/eval"} {
		if d == "" {
			continue
		}
		if fi, err := os.Stat(filepath.Join(d, "feeds")); err == nil && fi.IsDir() {
			return d
		}
	}
	t.Skip("evaluation data (../shared/eval or VEILLE_EVAL_DIR) absent")
	return ""
}

// parseWithDeadline parses a feed in a goroutine so that a hang fails the
// test instead of stalling it; a panic fails it too.
func parseWithDeadline(t *testing.T, path string, body []byte) (*Feed, error) {
	t.Helper()
	type result struct {
		f   *Feed
		err error
		p   any
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{p: p}
			}
		}()
		f, err := ParseFeed(body, "", "https://example.org/feed.xml")
		done <- result{f: f, err: err}
	}()
	select {
	case r := <-done:
		if r.p != nil {
			t.Fatalf("%s: panic: %v", path, r.p)
		}
		return r.f, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: parsing hangs", path)
	}
	return nil, nil
}

// TestEvalFeedsNoCrash ingests every real and broken feed of the evaluation
// set (feedparser's and feed-rs's fixtures): none may panic or hang.
func TestEvalFeedsNoCrash(t *testing.T) {
	root := filepath.Join(evalDir(t), "feeds")
	var files, parsed int
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".json") && strings.Contains(path, ".serde.") {
			return err
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if f, err := parseWithDeadline(t, path, body); err == nil && f != nil {
			parsed++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 1000 {
		t.Fatalf("only %d feed files found under %s", files, root)
	}
	t.Logf("%d feed files ingested without crash or hang, %d parsed as feeds", files, parsed)
}

// TestEvalFeedRsExpectations compares titles and links with feed-rs's
// expected output where it gives one.
func TestEvalFeedRsExpectations(t *testing.T) {
	root := filepath.Join(evalDir(t), "feeds", "feed-rs", "fixture")
	expected, _ := filepath.Glob(filepath.Join(root, "*", "*.serde.json"))
	if len(expected) == 0 {
		t.Skip("no feed-rs expectations")
	}
	type text struct {
		Content string `json:"content"`
	}
	type link struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	}
	type want struct {
		Entries []struct {
			Title *text  `json:"title"`
			Links []link `json:"links"`
		} `json:"entries"`
	}
	var checked, entries, ok int
	for _, exp := range expected {
		base := strings.TrimSuffix(exp, ".serde.json")
		var src string
		for _, ext := range []string{".xml", ".json", ".rss", ".atom"} {
			if _, err := os.Stat(base + ext); err == nil {
				src = base + ext
			}
		}
		if src == "" {
			continue
		}
		raw, _ := os.ReadFile(exp)
		var w want
		if err := json.Unmarshal(raw, &w); err != nil {
			t.Errorf("%s: %v", exp, err)
			continue
		}
		body, _ := os.ReadFile(src)
		if strings.HasPrefix(filepath.Base(src), "atom_entry") {
			continue // an Atom Entry document, not a feed: nothing to poll
		}
		f, err := parseWithDeadline(t, src, body)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		checked++
		// Compare canonical forms: host case and an empty path are not
		// differences between two parsers.
		canon := func(u string) string {
			if c, err := Canonicalize(u); err == nil {
				return c
			}
			return u
		}
		got := map[string]string{}
		for _, e := range f.Entries {
			got[canon(e.URL)] = e.Title
		}
		for _, e := range w.Entries {
			href := ""
			for _, l := range e.Links {
				if l.Rel == "" || l.Rel == "alternate" {
					href = l.Href
					break
				}
			}
			if href == "" || !strings.HasPrefix(href, "http") {
				continue
			}
			entries++
			title, found := got[canon(href)]
			if !found {
				t.Errorf("%s: entry %s missing", filepath.Base(src), href)
				continue
			}
			if e.Title != nil && strings.Join(strings.Fields(e.Title.Content), " ") != strings.Join(strings.Fields(title), " ") {
				t.Errorf("%s: entry %s title %q, want %q", filepath.Base(src), href, title, e.Title.Content)
				continue
			}
			ok++
		}
	}
	t.Logf("%d feeds checked, %d/%d entries with the expected link and title", checked, ok, entries)
}
