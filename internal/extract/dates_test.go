package extract

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// datePage wraps head and body fragments into a page.
func datePage(head, body string) string {
	return `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Titre de l'article – Journal</title>` +
		head + `</head><body>` + body + `</body></html>`
}

// articleBody is enough paragraph text for a page to read as an article.
const articleBody = `<p>Les agences de développement économique ont accompagné plusieurs centaines de projets industriels cette année, selon leur fédération.</p>
<p>Les implantations se concentrent dans les villes moyennes, où le foncier reste disponible et où les collectivités proposent des aides.</p>`

func extractDates(t *testing.T, src, url string) (published, modified time.Time, source string) {
	t.Helper()
	a, err := Extract([]byte(src), url, Options{Now: goldenNow})
	if err != nil {
		t.Fatal(err)
	}
	return a.Published, a.Modified, a.DateSource
}

func ldScript(pub, mod string) string {
	s := `<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Titre de l'article"`
	if pub != "" {
		s += `,"datePublished":"` + pub + `"`
	}
	if mod != "" {
		s += `,"dateModified":"` + mod + `"`
	}
	return s + `}</script>`
}

func TestDateRules(t *testing.T) {
	cases := []struct {
		name      string
		page      string
		url       string
		wantDay   string // the publication day as the page's zone shows it
		wantSrc   string
		wantSince string // when set, the instant (RFC 3339) that must not change
	}{
		{
			// The byline's <time> gives the outlet's zone: 06:35 UTC on the
			// 9th is 22:35 on the 8th in Los Angeles.
			name: "UTC timestamp read in the zone the page writes its dates in",
			page: datePage(ldScript("2023-11-09T06:35:29Z", ""),
				`<article><h1>Titre de l'article</h1><p class="byline">Par la rédaction</p>`+articleBody+
					`<footer><time datetime="2023-11-08T23:55:47-08:00">Nov 8, 2023</time></footer></article>`),
			url: "https://www.journal-ouest.example/faits-divers/interpellation", wantDay: "2023-11-08", wantSrc: SourceJSONLD,
			wantSince: "2023-11-09T06:35:29Z",
		},
		{
			// The same instant written as local wall-clock time without a
			// zone tells the offset.
			name: "UTC timestamp and the same instant as local time",
			page: datePage(ldScript("2023-11-09T06:35:29Z", "")+`<meta name="sailthru.date" content="2023-11-08 22:35:29">`,
				`<article><h1>Titre de l'article</h1>`+articleBody+`</article>`),
			url: "https://www.journal-ouest.example/faits-divers/interpellation", wantDay: "2023-11-08", wantSrc: SourceJSONLD,
			wantSince: "2023-11-09T06:35:29Z",
		},
		{
			name: "UTC timestamp stays in UTC when the page says nothing of its zone",
			page: datePage(ldScript("2023-11-09T06:35:29Z", ""), `<article><h1>Titre de l'article</h1>`+articleBody+`</article>`),
			url:  "https://www.journal-ouest.example/faits-divers/interpellation", wantDay: "2023-11-09", wantSrc: SourceJSONLD,
		},
		{
			// The page shows only the modification day: the outlet
			// republished the article under that day.
			name: "re-dated article: the day the page shows wins",
			page: datePage(ldScript("2021-11-29T14:13:37+01:00", "2022-01-12T14:27:30+01:00"),
				`<article><h1>Titre de l'article</h1><div class="article-date">12.01.2022</div>`+articleBody+`</article>`),
			url: "https://www.eco-regions.example/zones-activite-bilan/", wantDay: "2022-01-12", wantSrc: SourceJSONLD,
		},
		{
			name: "an update shown as such does not replace the publication date",
			page: datePage(ldScript("2021-11-29T14:13:37+01:00", "2022-01-12T14:27:30+01:00"),
				`<article><h1>Titre de l'article</h1><p class="infos">Mis à jour le 12/01/2022</p>`+articleBody+`</article>`),
			url: "https://www.eco-regions.example/article", wantDay: "2021-11-29", wantSrc: SourceJSONLD,
		},
		{
			name: "a publication date after the modification date is kept",
			page: datePage(ldScript("2023-10-31T09:00:00+01:00", "2023-10-26T17:00:00+02:00"),
				`<article><h1>Titre de l'article</h1><div class="post-date">26.10.2023</div>`+articleBody+`</article>`),
			url: "https://blog.agence.example/trois-questions", wantDay: "2023-10-31", wantSrc: SourceJSONLD,
		},
		{
			name: "structured dates disagree: the one the page shows wins",
			page: datePage(ldScript("2022-01-04T07:29:00.000Z", "")+`<meta property="article:published_time" content="2022-01-06T08:29:34">`,
				`<article><h1>Titre de l'article</h1><span class="date">06.01.2022</span>`+articleBody+`</article>`),
			url: "https://www.territoires.example/implantation-usine", wantDay: "2022-01-06", wantSrc: SourceMeta,
		},
		{
			name: "a generic meta date comes after the dates the page shows",
			page: datePage(`<meta name="date" content="2020-02-12">`,
				`<article><h1>Titre de l'article</h1><p class="date">05.02.2020</p>`+articleBody+`</article>`),
			url: "https://www.agence.example/actualites/forum-emploi/", wantDay: "2020-02-05", wantSrc: SourceText,
		},
		{
			name: "a generic meta date is used when the page shows none",
			page: datePage(`<meta name="dc.date" content="2020-02-12">`, `<article><h1>Titre de l'article</h1>`+articleBody+`</article>`),
			url:  "https://www.agence.example/actualites/forum-emploi/", wantDay: "2020-02-12", wantSrc: SourceMeta,
		},
		{
			name: "the first date shown in reading order wins over a later labelled one",
			page: datePage(``, `<article><h1>Titre de l'article</h1><div class="meta-date">30.09.2018</div>`+articleBody+
				`<div class="encart"><p>Publié le 29/11/2019</p></div></article>`),
			url: "https://www.journal-eco.example/politique/article/bilan", wantDay: "2018-09-30", wantSrc: SourceText,
		},
		{
			name: "a byline list item is the article's, a related list item is not",
			page: datePage(``, `<article><h1>Titre de l'article</h1>
				<ul class="infoline"><li class="author">Par Claire M.</li><li class="date"><time>29.04.2020, 12:01 Uhr</time></li></ul>`+articleBody+`
				<ul class="liste"><li><a href="/autre">Un autre article dont le titre est assez long</a> <time datetime="2020-04-30">30.04.2020</time></li></ul></article>`),
			url: "https://www.quotidien.example/article/4821.foncier.html", wantDay: "2020-04-29", wantSrc: SourceTime,
		},
		{
			name: "a date in an embedded post is the post's",
			page: datePage(``, `<article><h1>Titre de l'article</h1>`+articleBody+
				`<blockquote class="instagram-media"><p>Un message</p><time datetime="2018-03-12T19:30:12+00:00">Mär 12, 2018</time></blockquote>
				<p class="date">29.01.2019</p></article>`),
			url: "https://www.media.example/communication/tribune", wantDay: "2019-01-29", wantSrc: SourceText,
		},
		{
			name: "le + date in a paragraph is not a publication label",
			page: datePage(``, `<article><h1>Titre de l'article</h1>
				<p>Les statuts de la fondation ont été adoptés il y a longtemps, puis révisés à plusieurs reprises par son conseil, notamment le 20 décembre 1996, avant la version actuelle que chacun connaît.</p>`+
				articleBody+`<span class="date">18/11/2016</span></article>`),
			url: "https://www.fondation.example/statuts.html", wantDay: "2016-11-18", wantSrc: SourceText,
		},
		{
			name: "a date after Last edited is a modification",
			page: datePage(`<script type="application/ld+json">{"@context":"https://schema.org","@type":"DiscussionForumPosting","headline":"Calendrier des réunions","datePublished":"2020-09-18","dateModified":"2020-10-06"}</script>`,
				`<article><h1>Titre de l'article</h1><header><a href="/post-1"><time datetime="2020-09-18T08:56:40-0700">Sep 18, 2020</time></a>
				<div class="message">Last edited by a moderator <time datetime="2020-10-06T09:38:55-0700">Oct 6, 2020</time></div></header>`+articleBody+`</article>`),
			url: "https://forum.agence.example/sujets/calendrier.42/", wantDay: "2020-09-18", wantSrc: SourceJSONLD,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pub, _, src := extractDates(t, c.page, c.url)
			if got := pub.Format(time.DateOnly); got != c.wantDay || src != c.wantSrc {
				t.Errorf("published %v from %q; want day %s from %q", pub, src, c.wantDay, c.wantSrc)
			}
			if c.wantSince != "" {
				want, err := time.Parse(time.RFC3339, c.wantSince)
				if err != nil {
					t.Fatal(err)
				}
				if !pub.Equal(want) {
					t.Errorf("published %v: the instant changed, want %v", pub, want)
				}
			}
		})
	}
}

func TestModifiedFromTimeElements(t *testing.T) {
	page := datePage(``, `<article><h1>Titre de l'article</h1>
		<time itemprop="datePublished" datetime="2021-10-27T20:35:36+01:00">27.10.2021</time>
		<time itemprop="dateModified" datetime="2021-10-28T13:21:30+01:00">28.10.2021</time>`+articleBody+`</article>`)
	pub, mod, src := extractDates(t, page, "https://www.agence.example/presse/communique")
	if pub.Format(time.DateOnly) != "2021-10-27" || src != SourceTime {
		t.Errorf("published %v from %q", pub, src)
	}
	if mod.Format(time.DateOnly) != "2021-10-28" {
		t.Errorf("modified %v, want the itemprop=dateModified date", mod)
	}
}

func TestPageZone(t *testing.T) {
	ref := time.Date(2020, 5, 2, 2, 54, 29, 0, time.UTC)
	for _, c := range []struct {
		name, head, body string
		want             int // offset in seconds; -1: none
	}{
		{"an offset of the byline", ``, `<time datetime="2020-05-01T22:54:29-04:00">May 1</time>`, -4 * 3600},
		{"the most frequent offset", `<meta property="article:modified_time" content="2020-05-01T23:10:00-04:00">`,
			`<time datetime="2020-05-01T22:54:29-04:00">x</time><time datetime="2020-05-02T08:00:00+05:30">y</time>`, -4 * 3600},
		{"the same instant in local time", `<meta name="sailthru.date" content="2020-05-01 22:54:29">`, ``, -4 * 3600},
		{"an offset of zero says nothing", `<meta property="article:modified_time" content="2020-05-02T03:00:00+00:00">`, ``, -1},
		{"a local time on the hour may agree by chance", `<meta name="sailthru.date" content="2020-05-01 22:00:00">`, ``, -1},
		{"nothing", ``, ``, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := parsePage(t, datePage(c.head, c.body))
			z, ok := p.pageZone(ref)
			switch {
			case c.want == -1 && ok:
				t.Errorf("zone %v, want none", z)
			case c.want != -1 && !ok:
				t.Errorf("no zone, want offset %d", c.want)
			case ok:
				if _, off := ref.In(z).Zone(); off != c.want {
					t.Errorf("offset %d, want %d", off, c.want)
				}
			}
		})
	}
}

// parsePage scans a page as Extract does before finding its dates.
func parsePage(t *testing.T, src string) *page {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	p := &page{doc: doc, url: "https://www.example.com/a", opt: Options{Now: goldenNow, Location: paris()}}
	p.scanHead()
	return p
}

func TestHasMonthWord(t *testing.T) {
	for s, want := range map[string]bool{
		"12 janvier 2021": true, "1er févr. 2022": true, "12. März 2021": true, "Jan 12, 2021": true,
		"JANVIER": true, "12/01/2021": false, "Marseille 2021": false, "Mayotte": false, "": false,
		"un mot très très très longanticonstitutionnellement": false,
	} {
		if got := hasMonthWord(s); got != want {
			t.Errorf("hasMonthWord(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseDateZoneFlag(t *testing.T) {
	for _, c := range []struct {
		in    string
		zoned bool
	}{
		{"2020-12-05T23:15:0Z", true}, // a one-digit second, as some CMSs write it
		{"2019-09-26T10:15:00+02:00", true},
		{"Thu, 26 Sep 2019 08:15:00 GMT", true},
		{"2019-09-26 10:15", false},
		{"Publié le 26/09/2019 à 10h15", false},
		{"26/09/2019 à 10h15 UTC", true},
	} {
		d, ok := findDate(c.in, paris())
		if !ok || d.zoned != c.zoned {
			t.Errorf("findDate(%q) = %+v, %v; want zoned=%v", c.in, d, ok, c.zoned)
		}
	}
	got, _ := ParseDate("2020-12-05T23:15:0Z", nil)
	if !got.Equal(time.Date(2020, 12, 5, 23, 15, 0, 0, time.UTC)) {
		t.Errorf("one-digit second: %v", got)
	}
}

func TestIsLinkItem(t *testing.T) {
	p := parsePage(t, datePage(``, `<ul><li id="a"><a href="/x">Un autre article dont le titre est long</a></li>
		<li id="b"><a href="/auteur">Claire</a> <time>29.04.2020</time></li><li id="c">Date : 29.04.2020</li></ul>`))
	want := map[string]bool{"a": true, "b": false, "c": false}
	walk(p.doc, func(n *html.Node) bool {
		if id := attr(n, "id"); id != "" {
			if got := isLinkItem(n); got != want[id] {
				t.Errorf("isLinkItem(%s) = %v, want %v", id, got, want[id])
			}
		}
		return true
	})
}
