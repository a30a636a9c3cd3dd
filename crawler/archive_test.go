package crawler

import (
	"strings"
	"testing"
	"time"
)

var paris, _ = time.LoadLocation("Europe/Paris")

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, paris) }

func TestArchivePages(t *testing.T) {
	p := Period{From: day(2021, 1, 30), To: day(2021, 2, 2)}
	got := ArchivePages("https://x.fr/archives/{yyyy}/{mm}/{dd}/", p)
	want := "https://x.fr/archives/2021/01/30/ https://x.fr/archives/2021/01/31/ https://x.fr/archives/2021/02/01/ https://x.fr/archives/2021/02/02/"
	if strings.Join(got, " ") != want {
		t.Errorf("daily pages = %v", got)
	}
	got = ArchivePages("https://x.fr/archives?mois={yyyy}-{mm}", p)
	if strings.Join(got, " ") != "https://x.fr/archives?mois=2021-01 https://x.fr/archives?mois=2021-02" {
		t.Errorf("monthly pages = %v", got)
	}
	if got := ArchivePages("https://x.fr/{date}", Period{From: day(2021, 3, 1), To: day(2021, 3, 1)}); len(got) != 1 || got[0] != "https://x.fr/2021-03-01" {
		t.Errorf("one day = %v", got)
	}
}

func TestURLDateRange(t *testing.T) {
	cases := []struct {
		url      string
		yearToo  bool
		from, to time.Time
		ok       bool
	}{
		{"https://x.fr/article/2021/06/15/titre", false, day(2021, 6, 15), day(2021, 6, 16), true},
		{"https://x.fr/sitemap-2021-06.xml", true, day(2021, 6, 1), day(2021, 7, 1), true},
		{"https://x.fr/sitemaps/2019.xml.gz", true, day(2019, 1, 1), day(2020, 1, 1), true},
		{"https://x.fr/sitemaps/2019.xml.gz", false, time.Time{}, time.Time{}, false},
		{"https://x.fr/eco/titre-20210615.html", false, day(2021, 6, 15), day(2021, 6, 16), true},
		{"https://x.fr/eco/titre-123456789", false, time.Time{}, time.Time{}, false},
		{"https://www2021.fr/a", true, time.Time{}, time.Time{}, false}, // the host is not read
	}
	for _, c := range cases {
		from, to, ok := URLDateRange(c.url, c.yearToo, paris)
		if ok != c.ok || !from.Equal(c.from) || !to.Equal(c.to) {
			t.Errorf("URLDateRange(%s) = %v %v %v", c.url, from, to, ok)
		}
	}
	p := Period{From: day(2021, 1, 1), To: day(2021, 12, 31)}
	for e, want := range map[Entry]bool{
		{URL: "https://x.fr/a", Published: day(2021, 5, 1)}:                         true,
		{URL: "https://x.fr/a", Published: day(2022, 1, 1)}:                         false,
		{URL: "https://x.fr/a", LastMod: day(2020, 12, 31)}:                         false, // not modified since
		{URL: "https://x.fr/a", LastMod: day(2023, 1, 1)}:                           true,  // may be of 2021
		{URL: "https://x.fr/2020/05/03/a", LastMod: day(2023, 1, 1)}:                false,
		{URL: "https://x.fr/a-sans-date"}:                                           true,
		{URL: "https://x.fr/2021/12/31/la-saint-sylvestre", Published: time.Time{}}: true,
	} {
		if got := entryInPeriod(e, p, paris); got != want {
			t.Errorf("entryInPeriod(%+v) = %v, want %v", e, got, want)
		}
	}
	for e, want := range map[Entry]bool{
		{URL: "https://x.fr/sitemaps/2021.xml"}:                       true,
		{URL: "https://x.fr/sitemaps/2020.xml"}:                       false,
		{URL: "https://x.fr/sitemap-2022-01.xml"}:                     false,
		{URL: "https://x.fr/sitemap-7.xml", LastMod: day(2020, 6, 1)}: false,
		{URL: "https://x.fr/sitemap-8.xml", LastMod: day(2024, 6, 1)}: true,
		{URL: "https://x.fr/sitemap.xml?yyyy=2021&mm=03"}:             true,
	} {
		if got := childInPeriod(e, p, paris); got != want {
			t.Errorf("childInPeriod(%+v) = %v, want %v", e, got, want)
		}
	}
}

func TestLooksLikeArticle(t *testing.T) {
	for u, want := range map[string]bool{
		"https://x.fr/economie/les-agences-de-developpement-se-federent": true,
		"https://x.fr/politique/article-1234567.php":                     true,
		"https://x.fr/2021/06/15/le-cner-publie-son-barometre.html":      true,
		"https://x.fr/economie/":                                         false,
		"https://x.fr/tag/agences-de-developpement-economique":           false,
		"https://x.fr/auteur/claire-morvan-journaliste-economie":         false,
		"https://x.fr/archives/2021/06/15/":                              false,
		"https://x.fr/images/une-photo-des-agences-au-forum.jpg":         false,
		"https://x.fr/": false,
	} {
		if got := LooksLikeArticle(u); got != want {
			t.Errorf("LooksLikeArticle(%s) = %v, want %v", u, got, want)
		}
	}
	page := `<html><head><base href="https://x.fr/eco/"></head><body><a href="un-article">Un <b>article</b></a>
<a href="mailto:a@b.fr">m</a><a href="/">Accueil</a></body></html>`
	links := PageLinks([]byte(page), "https://x.fr/")
	if len(links) != 2 || links[0].URL != "https://x.fr/eco/un-article" || links[0].Text != "Un article" {
		t.Errorf("links = %+v", links)
	}
}
