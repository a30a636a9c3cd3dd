package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/index"
)

func TestMarkedHTML(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"le <mark>CNER</mark> et les agences", "le <mark>CNER</mark> et les agences"},
		{"&lt;script&gt;x&lt;/script&gt; <mark>cner</mark>", "&lt;script&gt;x&lt;/script&gt; <mark>cner</mark>"},
		// Whatever the index sends, nothing but text and <mark> comes out.
		{"<script>alert(1)</script> <mark>cner</mark>", "&lt;script&gt;alert(1)&lt;/script&gt; <mark>cner</mark>"},
		{`<img src=x onerror="a()"><mark>x</mark>`, `&lt;img src=x onerror=&#34;a()&#34;&gt;<mark>x</mark>`},
		{"<mark>open only", "<mark>open only</mark>"},
		{"</mark>stray<mark>a</mark>", "&lt;/mark&gt;stray<mark>a</mark>"},
		{"<mark><b>x</b></mark>", "<mark>&lt;b&gt;x&lt;/b&gt;</mark>"},
		{"Dév&amp;co &amp; <mark>Dév&amp;co</mark>", "Dév&amp;co &amp; <mark>Dév&amp;co</mark>"},
	} {
		if got := string(markedHTML(tc.in)); got != tc.want {
			t.Errorf("markedHTML(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := fragmentText("le <mark>CNER</mark>  &amp;\n co"); got != "le CNER & co" {
		t.Errorf("fragmentText = %q", got)
	}
}

func FuzzMarkedHTML(f *testing.F) {
	for _, s := range []string{"<mark>a</mark>", "<script>x</script>", "&lt;<mark>&gt;", "<<mark>mark>>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(markedHTML(s))
		rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(out)
		if strings.ContainsAny(rest, "<>\"'") {
			t.Fatalf("markedHTML(%q) = %q: markup other than <mark>", s, out)
		}
		if strings.Count(out, "<mark>") != strings.Count(out, "</mark>") {
			t.Fatalf("markedHTML(%q) = %q: unbalanced marks", s, out)
		}
	})
}

func TestCellSafe(t *testing.T) {
	for in, want := range map[string]string{
		"Le CNER":                    "Le CNER",
		"=HYPERLINK(\"http://x\")":   "'=HYPERLINK(\"http://x\")",
		"+33 1 23":                   "'+33 1 23",
		"-2+3":                       "'-2+3",
		"@SUM(A1)":                   "'@SUM(A1)",
		"-12":                        "-12",
		"":                           "",
		"\t=1":                       "'\t=1",
		"2021-03-16":                 "2021-03-16",
		"https://exemple.fr/=a?b=+c": "https://exemple.fr/=a?b=+c",
	} {
		if got := cellSafe(in); got != want {
			t.Errorf("cellSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "/",
		"/search?q=cner":         "/search?q=cner",
		"/clippings/12":          "/clippings/12",
		"//evil.example/":        "/",
		"/\\evil.example":        "/",
		"https://evil.example/":  "/",
		"javascript:alert(1)":    "/",
		"search":                 "/",
		"/login?next=/":          "/",
		"/a\r\nSet-Cookie: x=1":  "/",
		"/totals?year=2021&by=x": "/totals?year=2021&by=x",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Dév&co 2021":               "dev-co-2021",
		"entity:cner AND « forum »": "entity-cner-and-forum",
		"<script>":                  "script",
		"":                          "",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoginLimiter(t *testing.T) {
	l := newLoginLimiter()
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < loginMaxPerUser; i++ {
		if w := l.wait(t0.Add(time.Duration(i)*time.Minute), "user:a"); w != 0 {
			t.Fatalf("attempt %d throttled (%v)", i+1, w)
		}
		l.fail(t0.Add(time.Duration(i)*time.Minute), "user:a")
	}
	now := t0.Add(5 * time.Minute)
	if w := l.wait(now, "user:a"); w != loginWindow-5*time.Minute {
		t.Errorf("wait = %v, want %v (until the oldest failure leaves the window)", w, loginWindow-5*time.Minute)
	}
	if w := l.wait(now, "user:b"); w != 0 {
		t.Errorf("another user is throttled (%v)", w)
	}
	if w := l.wait(t0.Add(loginWindow), "user:a"); w != 0 {
		t.Errorf("once the oldest failure is out of the window, still throttled (%v)", w)
	}
	l.reset("user:a")
	if w := l.wait(now, "user:a"); w != 0 {
		t.Errorf("after reset, still throttled (%v)", w)
	}
	// Memory stays bounded under a flood of distinct keys.
	for i := 0; i < loginMaxTracked+10; i++ {
		l.fail(now, "addr:"+strings.Repeat("x", i%50)+string(rune('a'+i%26))+time.Duration(i).String())
	}
	if w := l.wait(now, "user:z"); w == 0 {
		t.Error("with more keys than tracked, logins are not refused")
	}
	if w := l.wait(now.Add(loginWindow+time.Second), "user:z"); w != 0 {
		t.Errorf("after the window, the flood still blocks logins (%v)", w)
	}
}

func TestNiceStep(t *testing.T) {
	for peak, want := range map[int]int{1: 1, 5: 1, 6: 2, 10: 2, 11: 5, 25: 5, 26: 10, 180: 50, 1200: 500} {
		if got := niceStep(peak); got != want {
			t.Errorf("niceStep(%d) = %d, want %d", peak, got, want)
		}
	}
}

func TestFormatInt(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1\u202f000", 1234567: "1\u202f234\u202f567", -4500: "-4\u202f500"} {
		if got := formatInt(n); got != want {
			t.Errorf("formatInt(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFacetCache(t *testing.T) {
	c := newFacetCache()
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	q := index.Query{Text: "cner", Scope: "regional"}
	f := map[string][]index.FacetCount{"outlet": {{Key: "a", Count: 3}}}
	if _, _, ok := c.get(facetKey(q), 10, t0); ok {
		t.Fatal("hit in an empty cache")
	}
	c.put(facetKey(q), f, 10, t0)
	if got, fresh, ok := c.get(facetKey(q), 10, t0.Add(time.Minute)); !ok || !fresh || got["outlet"][0].Count != 3 {
		t.Errorf("miss after put (%v)", got)
	}
	// The page and the sort do not matter; the query and filters do.
	q2 := q
	q2.Offset, q2.Sort = 40, "relevance"
	if _, fresh, _ := c.get(facetKey(q2), 10, t0); !fresh {
		t.Error("another page or sort misses the cache")
	}
	q3 := q
	q3.Entity = "devco"
	if _, _, ok := c.get(facetKey(q3), 10, t0); ok {
		t.Error("another filter hits the cache")
	}
	// After a change of the index or the TTL: still there, but stale.
	if _, fresh, ok := c.get(facetKey(q), 11, t0); !ok || fresh {
		t.Error("counts of another state of the index are not stale")
	}
	if _, fresh, ok := c.get(facetKey(q), 10, t0.Add(facetTTL+time.Second)); !ok || fresh {
		t.Error("counts older than the TTL are not stale")
	}
	c.clear()
	if _, _, ok := c.get(facetKey(q), 10, t0); ok {
		t.Error("a hit after clear")
	}
	for i := 0; i < facetCacheSize+5; i++ {
		c.put(fmt.Sprint(i), f, 10, t0)
	}
	if len(c.entries) != facetCacheSize || len(c.order) != facetCacheSize {
		t.Errorf("cache holds %d entries (%d in order), want %d", len(c.entries), len(c.order), facetCacheSize)
	}
	if _, _, ok := c.get("0", 10, t0); ok {
		t.Error("the oldest entry was not evicted")
	}
}
