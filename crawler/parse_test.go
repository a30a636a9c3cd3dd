package crawler

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"
)

func TestParseFeedFormats(t *testing.T) {
	rss := `<?xml version="1.0"?><rss version="2.0"><channel><title>Écho</title>
<item><title>Le CNER</title><link>/a/1?utm_source=rss</link><pubDate>Tue, 15 Jun 2021 11:00:00 +0200</pubDate><description>Chapô</description></item>
<item><title>Sans lien</title></item></channel></rss>`
	atom := `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>J</title>
<entry><title>Un</title><link href="https://j.fr/un"/><id>x</id><published>2021-01-02T03:04:05Z</published></entry></feed>`
	jsonFeed := `{"version":"https://jsonfeed.org/version/1.1","title":"F","items":[{"id":"1","url":"https://f.fr/1","title":"Un","date_published":"2020-05-06T07:08:09+02:00"}]}`
	rss10 := `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://r.fr/"><title>R</title><link>https://r.fr/</link></channel>
<item rdf:about="https://r.fr/1"><title>Un</title><link>https://r.fr/1</link><dc:date>2021-03-04T05:06:07Z</dc:date></item></rdf:RDF>`
	rss091 := `<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>V</title><link>https://v.fr/</link><item><title>Un</title><link>https://v.fr/1</link></item></channel></rss>`
	latin1 := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>T</title><item><title>D\xe9veloppement \xe9conomique</title><link>https://l.fr/1</link></item></channel></rss>")
	cases := []struct {
		name  string
		body  []byte
		url   string
		title string
		date  string
	}{
		{"rss", []byte(rss), "https://echo.fr/a/1", "Le CNER", "2021-06-15T09:00:00Z"},
		{"atom", []byte(atom), "https://j.fr/un", "Un", "2021-01-02T03:04:05Z"},
		{"json", []byte(jsonFeed), "https://f.fr/1", "Un", "2020-05-06T05:08:09Z"},
		{"rss1.0", []byte(rss10), "https://r.fr/1", "Un", "2021-03-04T05:06:07Z"},
		{"rss0.91", []byte(rss091), "https://v.fr/1", "Un", ""},
		{"latin1", latin1, "https://l.fr/1", "Développement économique", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseFeed(c.body, "", "https://echo.fr/rss.xml")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Entries) != 1 {
				t.Fatalf("entries = %+v", f.Entries)
			}
			e := f.Entries[0]
			if !strings.HasPrefix(e.URL, c.url) || e.Title != c.title {
				t.Errorf("entry = %+v", e)
			}
			if c.date != "" && e.Published.Format("2006-01-02T15:04:05Z07:00") != c.date {
				t.Errorf("published = %v, want %s", e.Published, c.date)
			}
		})
	}
}

func TestParseFeedRejectsNonFeeds(t *testing.T) {
	for name, body := range map[string]string{
		"html":      "<!DOCTYPE html><html><body>Page</body></html>",
		"empty":     "  \n",
		"malformed": "<rss><channel><item><title>x</ti",
	} {
		_, err := ParseFeed([]byte(body), "", "https://x.fr/rss")
		var fe *FetchError
		if !errors.As(err, &fe) || fe.Kind != ErrKindParse {
			t.Errorf("%s: err = %v, want a parse error", name, err)
		}
	}
}

func TestParseSitemaps(t *testing.T) {
	index := `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://x.fr/s1.xml.gz</loc><lastmod>2021-03-01</lastmod></sitemap></sitemapindex>`
	sm, err := ParseSitemap([]byte(index), "", "https://x.fr/sitemap.xml", 1<<20)
	if err != nil || len(sm.Children) != 1 || sm.Children[0].URL != "https://x.fr/s1.xml.gz" {
		t.Fatalf("index = %+v, %v", sm, err)
	}
	news := `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://x.fr/a</loc><news:news><news:publication_date>2022-10-12T08:00:00+02:00</news:publication_date><news:title>DEV&amp;CO 22</news:title></news:news></url>
<url><loc>https://x.fr/b</loc><lastmod>2022-10-13</lastmod></url></urlset>`
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(news))
	zw.Close()
	sm, err = ParseSitemap(gz.Bytes(), "", "https://x.fr/s1.xml.gz", 1<<20)
	if err != nil || len(sm.Entries) != 2 {
		t.Fatalf("gzipped news sitemap = %+v, %v", sm, err)
	}
	if sm.Entries[0].Title != "DEV&CO 22" || sm.Entries[0].Published.IsZero() || sm.Entries[1].LastMod.IsZero() {
		t.Errorf("entries = %+v", sm.Entries)
	}
	// A gzip bomb stops at the cap.
	var bomb bytes.Buffer
	zw = gzip.NewWriter(&bomb)
	zw.Write([]byte("<urlset>"))
	zw.Write(bytes.Repeat([]byte(" "), 10<<20))
	zw.Close()
	_, err = ParseSitemap(bomb.Bytes(), "", "https://x.fr/bomb.xml.gz", 1<<20)
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Kind != ErrKindTooLarge {
		t.Errorf("gzip bomb: err = %v", err)
	}
	if _, err := ParseSitemap([]byte("<html><body>404</body></html>"), "", "https://x.fr/s.xml", 1<<20); err == nil {
		t.Error("HTML accepted as a sitemap")
	}
}
