package crawler

import "testing"

func TestCanonicalize(t *testing.T) {
	cases := map[string]string{
		"HTTPS://WWW.Example.FR:443/a/b?utm_source=rss&id=3#comments": "https://www.example.fr/a/b?id=3",
		"http://example.fr:80/":                            "http://example.fr/",
		"https://example.fr/x?xtor=RSS-1&fbclid=abc":       "https://example.fr/x",
		"https://example.fr/x?b=2&a=1&gclid=z&at_medium=1": "https://example.fr/x?a=1&b=2",
		"https://example.fr/article/amp/":                  "https://example.fr/article/",
		"https://example.fr/eco/un-titre/amp":              "https://example.fr/eco/un-titre",
		"https://example.fr/eco/un-titre.amp":              "https://example.fr/eco/un-titre",
		"https://example.fr/a?utm_medium=x&utm_campaign=y": "https://example.fr/a",
		"https://example.fr/a?at_medium=rss&at_campaign=z": "https://example.fr/a",
		"https://example.fr/a?gclid=1&fbclid=2&page=2":     "https://example.fr/a?page=2",
		"https://example.fr/amp/article/123":               "https://example.fr/article/123",
		"https://amp.example.fr/article.amp.html":          "https://www.example.fr/article.html",
		"https://example.fr/economie/article?amp=1":        "https://example.fr/economie/article",
		"https://example.fr":                               "https://example.fr/",
		"http://127.0.0.1:8080/a?pk_campaign=rss":          "http://127.0.0.1:8080/a",
		"https://example.fr/caf%C3%A9":                     "https://example.fr/caf%C3%A9",
	}
	for in, want := range cases {
		got, err := Canonicalize(in)
		if err != nil {
			t.Errorf("Canonicalize(%q): %v", in, err)
			continue
		}
		if got != want {
			t.Errorf("Canonicalize(%q) = %q, want %q", in, got, want)
		}
		again, _ := Canonicalize(got)
		if again != got {
			t.Errorf("not idempotent: %q -> %q", got, again)
		}
	}
	for _, bad := range []string{"", "/relative", "mailto:a@b.fr", "ftp://x.fr/", "http://%zz"} {
		if _, err := Canonicalize(bad); err == nil {
			t.Errorf("Canonicalize(%q) accepted", bad)
		}
	}
}
