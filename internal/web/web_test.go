package web

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"html"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/report"
	"github.com/cner/veille/internal/store"
)

// TestHandlers runs the handler tests on one crawled fixture.
func TestHandlers(t *testing.T) {
	f := newFixture(t)
	t.Run("LoginRequired", func(t *testing.T) { testLoginRequired(t, f) })
	t.Run("Login", func(t *testing.T) { testLogin(t, f) })
	t.Run("SecurityHeaders", func(t *testing.T) { testSecurityHeaders(t, f) })
	t.Run("CrossOrigin", func(t *testing.T) { testCrossOrigin(t, f) })
	t.Run("Search", func(t *testing.T) { testSearch(t, f) })
	t.Run("SearchBadInput", func(t *testing.T) { testSearchBadInput(t, f) })
	t.Run("SearchCSV", func(t *testing.T) { testSearchCSV(t, f) })
	t.Run("HostileContent", func(t *testing.T) { testHostileContent(t, f) })
	t.Run("Clipping", func(t *testing.T) { testClipping(t, f) })
	t.Run("Totals", func(t *testing.T) { testTotals(t, f) })
	t.Run("Sources", func(t *testing.T) { testSources(t, f) })
	t.Run("AddValidation", func(t *testing.T) { testAddValidation(t, f) })
	t.Run("Add", func(t *testing.T) { testAdd(t, f) })
	t.Run("StaticAssets", func(t *testing.T) { testStaticAssets(t, f) })
	// Last: it changes the data.
	t.Run("ExcludeAndRestore", func(t *testing.T) { testExcludeAndRestore(t, f) })
}

func testLoginRequired(t *testing.T, f *fixture) {
	c := f.client()
	id := f.clippingID("/article/")
	for _, path := range []string{"/", "/search?q=cner", "/search.csv", "/clippings/" + fmt.Sprint(id),
		"/clippings/" + fmt.Sprint(id) + "/copy", "/totals", "/totals.csv", "/sources", "/sources.csv", "/add",
		"/nowhere"} {
		r := c.get(path)
		if r.StatusCode != http.StatusSeeOther {
			t.Errorf("GET %s without a session: %d, want 303", path, r.StatusCode)
			continue
		}
		loc, err := url.Parse(r.Header.Get("Location"))
		if err != nil || loc.Path != "/login" || loc.Query().Get("next") != path {
			t.Errorf("GET %s without a session: redirected to %q", path, r.Header.Get("Location"))
		}
		if strings.Contains(r.body, "retombée") {
			t.Errorf("GET %s without a session leaks content: %s", path, r.body)
		}
	}
	// A form sent without a session changes nothing.
	r := c.post("/clippings/"+fmt.Sprint(id)+"/exclude", url.Values{"reason": {"test"}})
	if r.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST exclude without a session: %d, want 401", r.StatusCode)
	}
	if d, err := f.st.ArticleDetailsOf(context.Background(), id); err != nil || d.Excluded {
		t.Errorf("POST exclude without a session excluded the clipping (%v)", err)
	}
	// A forged cookie is no session.
	req, _ := http.NewRequest(http.MethodGet, f.ts.URL+"/search", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: "forged-token"})
	if r := c.do(req); r.StatusCode != http.StatusSeeOther {
		t.Errorf("forged cookie: %d, want 303 to login", r.StatusCode)
	}
}

func testLogin(t *testing.T, f *fixture) {
	c := f.client()
	// The form.
	r := c.get("/login?next=/totals")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `name="password"`) ||
		!strings.Contains(r.body, `value="/totals"`) {
		t.Fatalf("login form: %d\n%s", r.StatusCode, r.body)
	}
	// Wrong password, unknown user: the same French message.
	for _, form := range []url.Values{
		{"name": {testUser}, "password": {"pas-le-bon"}},
		{"name": {"inconnu"}, "password": {testPassword}},
	} {
		r := c.post("/login", form)
		if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, "Identifiant ou mot de passe incorrect") {
			t.Errorf("bad login %v: %d\n%s", form, r.StatusCode, r.body)
		}
		if len(r.Cookies()) > 0 {
			t.Errorf("bad login %v set a cookie", form)
		}
	}
	if r := c.post("/login", url.Values{"name": {testUser}}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("login without password: %d, want 400", r.StatusCode)
	}
	// The right one: a session cookie, HttpOnly and SameSite, then the page asked for.
	r = c.post("/login", url.Values{"name": {testUser}, "password": {testPassword}, "next": {"/totals?year=2021"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/totals?year=2021" {
		t.Fatalf("login: %d → %q", r.StatusCode, r.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, ck := range r.Cookies() {
		if ck.Name == cookieName {
			sc = ck
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Secure || sc.Path != "/" {
		t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, not Secure over plain http", sc)
	}
	// The store keeps a hash of the token, never the token.
	if _, err := f.st.WebSessionByHash(context.Background(), sc.Value); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the raw token is a key of the sessions table (%v)", err)
	}
	if _, err := f.st.WebSessionByHash(context.Background(), hashToken(sc.Value)); err != nil {
		t.Errorf("no session stored under the token's hash: %v", err)
	}
	if r := c.get("/totals?year=2021"); r.StatusCode != http.StatusOK {
		t.Fatalf("after login: %d", r.StatusCode)
	}
	// Logged in, the login form sends you on.
	if r := c.get("/login"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("login form when logged in: %d, want 303", r.StatusCode)
	}
	// Logout ends the session on the server: the old cookie no longer works.
	if r := c.post("/logout", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, f.ts.URL+"/search", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: sc.Value})
	if r := f.client().do(req); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the cookie of a logged-out session still works: %d", r.StatusCode)
	}
	// Next destinations on other sites are refused.
	c2 := f.client()
	r = c2.post("/login", url.Values{"name": {testUser}, "password": {testPassword}, "next": {"//evil.example/x"}})
	if r.Header.Get("Location") != "/" {
		t.Errorf("next=//evil.example/x redirected to %q", r.Header.Get("Location"))
	}
	// Behind a TLS reverse proxy the cookie is Secure.
	req, _ = http.NewRequest(http.MethodPost, f.ts.URL+"/login",
		strings.NewReader(url.Values{"name": {testUser}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-Proto", "https")
	r = f.client().do(req)
	if cs := r.Cookies(); len(cs) != 1 || !cs[0].Secure {
		t.Errorf("cookie behind TLS = %+v, want Secure", cs)
	}
}

func TestSessionEnds(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	clock := &now
	srv, err := New(Options{Config: f.cfg, Store: f.st, Index: f.ix, Pipeline: f.pl, Logger: f.log, Now: func() time.Time { return *clock }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	c := f.clientOf(ts)
	c.login()
	if r := c.get("/sources"); r.StatusCode != http.StatusOK {
		t.Fatalf("sources: %d", r.StatusCode)
	}
	// Idle for longer than sessionIdle: logged out.
	*clock = now.Add(sessionIdle + time.Hour)
	if r := c.get("/sources"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("an idle session still works: %d", r.StatusCode)
	}
	// A new password in the configuration ends the sessions opened before.
	*clock = now
	c.login()
	cfg := *f.cfg
	cfg.Web.Users = append(cfg.Web.Users[:0:0], cfg.Web.Users...)
	cfg.Web.Users[0].PasswordHash = "$2a$04$" + strings.Repeat("A", 53)
	srv2, err := New(Options{Config: &cfg, Store: f.st, Index: f.ix, Pipeline: f.pl, Logger: f.log, Now: func() time.Time { return *clock }})
	if err != nil {
		t.Fatal(err)
	}
	ts2 := httptest.NewServer(srv2.Handler())
	defer ts2.Close()
	c.base = ts2.URL
	c.hc.Jar.SetCookies(mustURL(t, ts2.URL), c.hc.Jar.Cookies(mustURL(t, ts.URL)))
	if r := c.get("/sources"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a session opened before a password change still works: %d", r.StatusCode)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestLoginThrottle(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	clock := &now
	srv, err := New(Options{Config: f.cfg, Store: f.st, Index: f.ix, Pipeline: f.pl, Logger: f.log, Now: func() time.Time { return *clock }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	c := f.clientOf(ts)
	for i := 0; i < loginMaxPerUser; i++ {
		r := c.post("/login", url.Values{"name": {testUser}, "password": {fmt.Sprintf("essai-%d", i)}})
		if r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, r.StatusCode)
		}
	}
	// Throttled now, even with the right password: no bcrypt, no session.
	r := c.post("/login", url.Values{"name": {testUser}, "password": {testPassword}})
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.body, "Trop de tentatives") ||
		r.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures: %d (Retry-After %q)\n%s", loginMaxPerUser, r.StatusCode, r.Header.Get("Retry-After"), r.body)
	}
	if len(r.Cookies()) > 0 {
		t.Error("a throttled login set a cookie")
	}
	if !strings.Contains(f.logs.String(), "login throttled") {
		t.Error("throttling is not logged")
	}
	// The window passes: the right password works again.
	*clock = now.Add(loginWindow + time.Second)
	c.login()

	// Per address: many user names from one address.
	*clock = now.Add(3 * loginWindow)
	for i := 0; i < loginMaxPerAddr; i++ {
		c.post("/login", url.Values{"name": {fmt.Sprintf("robot%d", i)}, "password": {"x"}})
	}
	if r := c.post("/login", url.Values{"name": {testUser}, "password": {testPassword}}); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after %d failures from one address: %d, want 429", loginMaxPerAddr, r.StatusCode)
	}
}

func testSecurityHeaders(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	for _, path := range []string{"/login", "/search", "/totals", "/sources", "/add", "/clippings/999999"} {
		r := c.get(path)
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, r.Header)
		}
		if path != "/login" && !strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("%s: Cache-Control %q, want no-store", path, r.Header.Get("Cache-Control"))
		}
		// No inline script or style attribute that the policy would block.
		if strings.Contains(r.body, "<script") || strings.Contains(r.body, " style=") {
			t.Errorf("%s: inline script or style in the page", path)
		}
	}
}

func testCrossOrigin(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	id := f.clippingID("/article/")
	path := c.base + "/clippings/" + fmt.Sprint(id) + "/exclude"
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "http://evil.example"},
	} {
		req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader("reason=csrf"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		r := c.do(req)
		if r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, "autre site") {
			t.Errorf("cross-origin POST %v: %d\n%s", h, r.StatusCode, r.body)
		}
	}
	if d, err := f.st.ArticleDetailsOf(context.Background(), id); err != nil || d.Excluded {
		t.Errorf("a cross-origin form excluded the clipping (%v)", err)
	}
	// Login CSRF too.
	req, _ := http.NewRequest(http.MethodPost, c.base+"/login",
		strings.NewReader(url.Values{"name": {testUser}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := f.client().do(req); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site login: %d, want 403", r.StatusCode)
	}
}

var (
	countRe = regexp.MustCompile(`<strong>(\d[\d\x{202f}]*) retombées?</strong>`)
	hitRe   = regexp.MustCompile(`<li class="hit">`)
)

func resultCount(t *testing.T, body string) int {
	t.Helper()
	if strings.Contains(body, "Aucune retombée ne correspond") {
		return 0
	}
	m := countRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no result count in the page:\n%s", body)
	}
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], "\u202f", ""))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// facetLink finds the link of a facet's value and its count.
func facetLink(t *testing.T, body, facet, label string) (string, int) {
	t.Helper()
	i := strings.Index(body, `data-facet="`+facet+`"`)
	if i < 0 {
		t.Fatalf("no %s facet in the page", facet)
	}
	sec := body[i:]
	sec = sec[:strings.Index(sec, "</section>")]
	re := regexp.MustCompile(`<a href="([^"]+)"[^>]*>` + regexp.QuoteMeta(label) + `</a> <span class="n">(\d+)</span>`)
	m := re.FindStringSubmatch(sec)
	if m == nil {
		t.Fatalf("no %q in the %s facet:\n%s", label, facet, sec)
	}
	n, _ := strconv.Atoi(m[2])
	return strings.ReplaceAll(m[1], "&amp;", "&"), n
}

func testSearch(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	ctx := context.Background()
	total, err := f.st.Count(ctx, store.CountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// The home page is the search, listing every clipping, newest first.
	r := c.get("/")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("home: %d", r.StatusCode)
	}
	if got := resultCount(t, r.body); got != total {
		t.Errorf("home lists %d clippings, the store holds %d", got, total)
	}
	if n := len(hitRe.FindAllString(r.body, -1)); n != min(total, pageSize) {
		t.Errorf("home shows %d hits, want %d", n, min(total, pageSize))
	}
	// Without query text, each hit shows a mention's extract with the entity marked.
	if !strings.Contains(r.body, `<p class="snippet">`) || !strings.Contains(r.body, "<mark>") {
		t.Error("hits without query show no marked extract")
	}

	// Pagination: the second page holds the rest.
	if total > pageSize {
		if !strings.Contains(r.body, `href="/search?page=2" rel="next"`) {
			t.Errorf("no link to page 2")
		}
		r2 := c.get("/search?page=2")
		if n := len(hitRe.FindAllString(r2.body, -1)); n != min(total-pageSize, pageSize) {
			t.Errorf("page 2 shows %d hits, want %d", n, total-pageSize)
		}
		if !strings.Contains(r2.body, `rel="prev"`) {
			t.Error("no link back to page 1")
		}
	}

	// A query: highlighted matches, a count that agrees with the index.
	res, err := f.ix.Search(ctx, index.Query{Text: "agences"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total == 0 {
		t.Fatal("the index finds no clipping for « agences »")
	}
	r = c.get("/search?q=agences")
	if got := resultCount(t, r.body); uint64(got) != res.Total {
		t.Errorf("search « agences »: the page says %d, the index %d", got, res.Total)
	}
	if !regexp.MustCompile(`<mark>[Aa]gences?</mark>`).MatchString(r.body) {
		t.Error("search « agences »: no highlighted match")
	}
	if !strings.Contains(r.body, `value="agences"`) {
		t.Error("the query box does not keep the query")
	}

	// Filter by a facet: the count becomes the facet's count, and the URL holds the whole search.
	link, n := facetLink(t, r.body, "scope", "Presse régionale")
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("q") != "agences" || u.Query().Get("scope") != "regional" {
		t.Fatalf("facet link %q does not hold the search", link)
	}
	r = c.get(link)
	if got := resultCount(t, r.body); got != n {
		t.Errorf("filtered by scope: %d results, the facet said %d", got, n)
	}
	if !strings.Contains(r.body, "Portée : Presse régionale") {
		t.Error("the active filter is not shown")
	}
	if strings.Contains(r.body, "Presse nationale</a>") {
		t.Error("filtered on regional, a national outlet is still offered in the scope facet")
	}
	// The same search by URL alone (a bookmark) gives the same page.
	if again := c.get(link); resultCount(t, again.body) != n {
		t.Error("the bookmarked search does not give the same result")
	}

	// Entity facet and year facet from the home page.
	r = c.get("/")
	link, n = facetLink(t, r.body, "entity", "DEV&amp;CO")
	cnt, err := f.st.Count(ctx, store.CountFilter{EntityID: "devco"})
	if err != nil {
		t.Fatal(err)
	}
	if n != cnt {
		t.Errorf("entity facet DEV&CO counts %d, the store %d", n, cnt)
	}
	if got := resultCount(t, c.get(link).body); got != cnt {
		t.Errorf("filtered by DEV&CO: %d, want %d", got, cnt)
	}
	paris := f.loc
	y2021, err := f.st.Count(ctx, store.CountFilter{From: time.Date(2021, 1, 1, 0, 0, 0, 0, paris), To: time.Date(2022, 1, 1, 0, 0, 0, 0, paris)})
	if err != nil {
		t.Fatal(err)
	}
	if got := resultCount(t, c.get("/search?year=2021").body); got != y2021 {
		t.Errorf("year 2021: %d, the store counts %d", got, y2021)
	}
	// A date range inside the year narrows it.
	h1, err := f.st.Count(ctx, store.CountFilter{From: time.Date(2021, 1, 1, 0, 0, 0, 0, paris), To: time.Date(2021, 7, 1, 0, 0, 0, 0, paris)})
	if err != nil {
		t.Fatal(err)
	}
	if got := resultCount(t, c.get("/search?year=2021&to=2021-06-30").body); got != h1 {
		t.Errorf("first half of 2021: %d, the store counts %d", got, h1)
	}
	// Sort by relevance keeps the search and the count.
	r = c.get("/search?q=agences&sort=relevance")
	if resultCount(t, r.body) != int(res.Total) || !strings.Contains(r.body, `<option value="relevance" selected>`) {
		t.Error("sort by relevance lost the search or the choice")
	}
	// Nothing found.
	r = c.get("/search?q=zzzxqj")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, "Aucune retombée ne correspond") {
		t.Errorf("a search without results: %d", r.StatusCode)
	}
}

func testSearchBadInput(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	for _, tc := range []struct{ query, want string }{
		{"year=20x1", "Année incorrecte"},
		{"from=2021-13-45", "Date de début incorrecte"},
		{"from=2022-01-01&to=2021-01-01", "La période est vide"},
		{"scope=lunaire", "Portée inconnue"},
		{"kind=robot", "Type d'entité inconnu"},
		{"sort=hasard", "Tri inconnu"},
		{"page=0", "Numéro de page incorrect"},
		{"page=999999", "la pagination s'arrête"},
		{"q=" + url.QueryEscape(`"guillemet ouvert`), "Requête incorrecte"},
		{"q=" + url.QueryEscape("(cner"), "Requête incorrecte"},
		{"q=" + strings.Repeat("a", 1200), "trop longue"},
	} {
		r := c.get("/search?" + tc.query)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(r.body), tc.want) {
			t.Errorf("/search?%.60s: %d, want 400 with %q\n%.2000s", tc.query, r.StatusCode, tc.want, r.body)
		}
		if !strings.Contains(r.body, `name="q"`) {
			t.Errorf("/search?%.60s: the form is gone", tc.query)
		}
	}
}

func testSearchCSV(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	r := c.get("/search.csv?q=agences&page=2")
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("search CSV: %d %v", r.StatusCode, r.Header)
	}
	if !strings.HasPrefix(r.body, "\ufeff") {
		t.Error("the CSV has no byte-order mark (Excel would garble accents)")
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff")))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.ix.Search(context.Background(), index.Query{Text: "agences"})
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(rows)-1) != res.Total {
		t.Errorf("the CSV has %d rows, the search %d hits (all pages, whatever page was shown)", len(rows)-1, res.Total)
	}
	if rows[0][0] != "date" || rows[0][3] != "titre" {
		t.Errorf("header = %v", rows[0])
	}
	for _, row := range rows[1:] {
		if row[6] != strings.TrimRight(f.cfg.Web.BaseURL, "/")+"/clippings/"+row[7] {
			t.Errorf("row %v: no link to the clipping page", row)
		}
	}
}

// unsafeMarkup parses a page as a browser does and lists what could run
// script or load something: script-like elements, event-handler and style
// attributes, javascript: and data: URLs, forms sent elsewhere. allow
// accepts the page's own elements (its stylesheet, its sandboxed frame).
func unsafeMarkup(t *testing.T, body string, allow func(n *xhtml.Node) bool) []string {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && (allow == nil || !allow(n)) {
			switch n.Data {
			case "script", "img", "iframe", "frame", "object", "embed", "svg", "math", "style", "link", "base", "meta", "video", "audio", "source":
				if !(n.Data == "meta" && attr(n, "http-equiv") == "") && !(n.Data == "svg" && attr(n, "role") == "img") {
					found = append(found, "<"+n.Data+">")
				}
			case "form":
				if a := attr(n, "action"); !strings.HasPrefix(a, "/") {
					found = append(found, "<form action="+a+">")
				}
			}
			for _, a := range n.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(strings.ToLower(a.Key), "on"), a.Key == "style", a.Key == "srcdoc", a.Key == "formaction":
					found = append(found, n.Data+" "+a.Key+"="+a.Val)
				case (a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "data") &&
					(strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:")):
					found = append(found, n.Data+" "+a.Key+"="+a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// ownMarkup accepts what the UI's own pages hold: the stylesheet and icon
// links, the sandboxed frame of the stored copy, the monthly chart.
func ownMarkup(n *xhtml.Node) bool {
	switch n.Data {
	case "link":
		return strings.HasPrefix(attr(n, "href"), "/static/")
	case "iframe":
		return strings.HasPrefix(attr(n, "src"), "/clippings/") && attr(n, "sandbox") == "allow-popups allow-popups-to-escape-sandbox"
	}
	return false
}

// textOf is the text a browser shows of a page.
func textOf(t *testing.T, body string) string {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}

func testHostileContent(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	scriptID := f.clippingID("script-dans-le-titre")
	imgID := f.clippingID("image-dans-le-titre")
	check := func(where, body string, allow func(*xhtml.Node) bool) {
		t.Helper()
		if bad := unsafeMarkup(t, body, allow); len(bad) > 0 {
			t.Errorf("%s holds unsafe markup: %q", where, bad)
		}
	}
	const scriptTitle = `<script>window.__xss = "title-script"</script> Le CNER alerte`
	const imgTitle = `<img src=x onerror="window.__xss='title-img'"> Le forum DEV&CO`
	r := c.get("/search?q=" + url.QueryEscape("financement OR lyon"))
	check("search page", r.body, ownMarkup)
	text := textOf(t, r.body)
	if !strings.Contains(text, scriptTitle) || !strings.Contains(text, imgTitle) {
		t.Errorf("the hostile titles are not shown as text:\n%s", text)
	}
	if !strings.Contains(text, "La Gazette <b>Piégée</b> & Cie") {
		t.Error("the outlet name is not shown as text")
	}
	check("home page", c.get("/").body, ownMarkup)
	check("totals page", c.get("/totals?year=2021").body, ownMarkup)
	check("search CSV link page", c.get("/search?outlet=gazette-piegee").body, ownMarkup)
	for _, id := range []int64{scriptID, imgID} {
		r := c.get(fmt.Sprintf("/clippings/%d", id))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("clipping %d: %d", id, r.StatusCode)
		}
		check(fmt.Sprintf("clipping page %d", id), r.body, ownMarkup)
		if text := textOf(t, r.body); !strings.Contains(text, scriptTitle) && !strings.Contains(text, imgTitle) {
			t.Errorf("clipping %d: the hostile title is not shown as text", id)
		}
		// The stored copy: sanitised, and its own policy forbids any script.
		cp := c.get(fmt.Sprintf("/clippings/%d/copy", id))
		if cp.StatusCode != http.StatusOK {
			t.Fatalf("copy %d: %d", id, cp.StatusCode)
		}
		check(fmt.Sprintf("stored copy %d", id), cp.body, func(n *xhtml.Node) bool {
			// Its own base (for relative links) and style (allowed by hash).
			return n.Data == "base" || (n.Data == "style" && n.FirstChild != nil && n.FirstChild.Data == copyStyle)
		})
		if strings.Contains(cp.body, "javascript:") {
			t.Errorf("stored copy %d still holds a javascript: URL", id)
		}
		csp := cp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "sandbox", "frame-ancestors 'self'"} {
			if !strings.Contains(csp, want) || strings.Contains(csp, "script-src") {
				t.Errorf("copy CSP %q: want %q and no script-src", csp, want)
			}
		}
	}
	cp := c.get(fmt.Sprintf("/clippings/%d/copy", scriptID))
	if !strings.Contains(cp.body, "Le président du CNER appelle les élus") ||
		!strings.Contains(cp.body, `href="https://www.example.org/rapport"`) {
		t.Errorf("the stored copy lost the page's text or links:\n%s", cp.body)
	}
}

func testClipping(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	// A sample article with a known author, date and entities.
	var slug string
	for _, a := range f.press.Articles() {
		if a.Slug == "agences-developpement-performance" {
			slug = a.Slug
		}
	}
	if slug == "" {
		t.Fatal("sample article missing")
	}
	id := f.clippingID(slug)
	cl, err := f.st.Clipping(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	r := c.get(fmt.Sprintf("/clippings/%d", id))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("clipping: %d", r.StatusCode)
	}
	for _, want := range []string{
		"L&#39;Écho des Territoires", "Presse nationale", "26 septembre 2019", "Claire Morvan",
		"Les agences de développement économique veulent prouver leur utilité",
		`href="` + cl.URL + `"`,
		"2 mentions", "CNER", "DEV&amp;CO", "<mark>Cner</mark>", "<mark>forum Dév&amp;co</mark>",
		"Texte extrait", "Les directeurs d&#39;agences ont passé la journée",
		fmt.Sprintf(`<iframe src="/clippings/%d/copy" sandbox="allow-popups allow-popups-to-escape-sandbox"`, id),
		"Écarter cette retombée",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("clipping page lacks %q\n%s", want, r.body)
		}
	}
	// The digest's links: {base_url}/clippings/{id} is this page.
	if got := f.srv.clippingURL(id); got != fmt.Sprintf("%s/clippings/%d", strings.TrimRight(f.cfg.Web.BaseURL, "/"), id) {
		t.Errorf("clippingURL = %q", got)
	}
	for _, path := range []string{"/clippings/99999999", "/clippings/abc", "/clippings/-3", "/clippings/99999999/copy"} {
		r := c.get(path)
		if r.StatusCode != http.StatusNotFound || !strings.Contains(r.body, "n&#39;existe pas") {
			t.Errorf("%s: %d, want 404 in French\n%s", path, r.StatusCode, r.body)
		}
	}
}

func testTotals(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	ctx := context.Background()
	paris := f.loc
	y := store.CountFilter{From: time.Date(2021, 1, 1, 0, 0, 0, 0, paris), To: time.Date(2022, 1, 1, 0, 0, 0, 0, paris)}
	total, err := f.st.Count(ctx, y)
	if err != nil {
		t.Fatal(err)
	}
	outlets, err := f.st.CountBy(ctx, y, "outlet", paris)
	if err != nil {
		t.Fatal(err)
	}
	names, err := f.st.OutletNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var named []report.NamedCount
	for _, g := range outlets {
		named = append(named, report.NamedCount{Key: g.Key, Name: names[g.Key], Count: g.Count})
	}
	want := report.Sentence(total, "", "en 2021", named)
	r := c.get("/totals?year=2021")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("totals: %d", r.StatusCode)
	}
	if !strings.Contains(r.body, template.HTMLEscapeString(want)) {
		t.Errorf("totals page lacks the sentence %q\n%s", want, r.body)
	}
	if !strings.Contains(r.body, "<svg") || strings.Count(r.body, `<rect class="cur"`) != 12 ||
		strings.Count(r.body, `<rect class="prev"`) != 12 {
		t.Error("no monthly chart of 12 months against 12")
	}
	// Scope: the regional press only.
	ry := y
	ry.Scope = "regional"
	rtotal, err := f.st.Count(ctx, ry)
	if err != nil {
		t.Fatal(err)
	}
	r = c.get("/totals?year=2021&scope=regional")
	if !strings.Contains(r.body, report.Retombees(rtotal)+" dans la presse régionale en 2021") {
		t.Errorf("regional totals lack %q", report.Retombees(rtotal)+" dans la presse régionale en 2021")
	}
	// CSV by outlet sums to the total; by month has 12 months and both years.
	readCSV := func(path string) [][]string {
		t.Helper()
		r := c.get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, r.StatusCode)
		}
		cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff")))
		cr.Comma = ';'
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	rows := readCSV("/totals.csv?year=2021&by=outlet")
	sum := 0
	for _, row := range rows[1 : len(rows)-1] {
		n, _ := strconv.Atoi(row[2])
		sum += n
	}
	if sum != total || rows[len(rows)-1][2] != strconv.Itoa(total) {
		t.Errorf("CSV by outlet sums to %d (total row %v), want %d", sum, rows[len(rows)-1], total)
	}
	rows = readCSV("/totals.csv?year=2021&by=month")
	if len(rows) != 14 || rows[0][1] != "2021" || rows[0][2] != "2020" || rows[13][1] != strconv.Itoa(total) {
		t.Errorf("CSV by month = %v", rows)
	}
	prev, err := f.st.Count(ctx, store.CountFilter{From: time.Date(2020, 1, 1, 0, 0, 0, 0, paris), To: y.From})
	if err != nil {
		t.Fatal(err)
	}
	if rows[13][2] != strconv.Itoa(prev) {
		t.Errorf("CSV by month: 2020 total %s, the store counts %d", rows[13][2], prev)
	}
	rows = readCSV("/totals.csv?year=2021&by=entity")
	if len(rows) < 2 || rows[0][1] != "entité" {
		t.Errorf("CSV by entity = %v", rows)
	}
	// Syndicated copies counted once: the page says stories.
	if r := c.get("/totals?year=2021&stories=1"); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "sujet") ||
		!strings.Contains(r.body, `name="stories" value="1" checked`) {
		t.Errorf("totals counting stories: %d", r.StatusCode)
	}
	// This year: what may be missing from the count is said under it (here,
	// that the collection's history starts today).
	this := time.Now().In(paris).Year()
	if r := c.get(fmt.Sprintf("/totals?year=%d", this)); !strings.Contains(html.UnescapeString(r.body), "Couverture inconnue avant le") {
		t.Errorf("the totals of %d say nothing of their coverage:\n%s", this, r.body)
	}
	for _, bad := range []string{"/totals?year=abc", "/totals?scope=lunaire", "/totals.csv?by=planete"} {
		if r := c.get(bad); r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, r.StatusCode)
		}
	}
}

func testSources(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	srcs, err := f.st.Sources(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	r := c.get("/sources")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("sources: %d", r.StatusCode)
	}
	if n := strings.Count(r.body, `<tr class="row-`); n != len(srcs) {
		t.Errorf("the page lists %d sources, the store %d", n, len(srcs))
	}
	for _, want := range []string{"Ouest Matin", "flux", "plan de site", "exploration", "en bonne santé", f.hostile.URL + "/rss.xml"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("sources page lacks %q", want)
		}
	}
	// The feed that answers 404 is in error, listed first, with its error.
	var failing store.Source
	for _, src := range srcs {
		if strings.HasSuffix(src.URL, "/disparu.xml") {
			failing = src
		}
	}
	if failing.ConsecutiveFailures == 0 || failing.LastError == "" {
		t.Fatalf("the missing feed is not recorded as failing: %+v", failing)
	}
	first := r.body[strings.Index(r.body, "<tbody>"):]
	first = first[:strings.Index(first, "</tr>")]
	if !strings.Contains(first, `row-error`) || !strings.Contains(first, "/disparu.xml") ||
		!strings.Contains(first, "en échec (1 fois de suite)") || !strings.Contains(first, template.HTMLEscapeString(failing.LastError)) {
		t.Errorf("the failing source is not first with its error:\n%s", first)
	}
	if !strings.Contains(r.body, "1 en échec") {
		t.Error("the summary does not count the failing source")
	}
	r = c.get("/sources.csv")
	if r.StatusCode != http.StatusOK || strings.Count(r.body, "\r\n") != len(srcs)+1 {
		t.Errorf("sources CSV: %d, %d lines for %d sources", r.StatusCode, strings.Count(r.body, "\r\n"), len(srcs))
	}
}

func testAddValidation(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	if r := c.get("/add?url=" + url.QueryEscape("https://www.exemple.fr/a")); r.StatusCode != http.StatusOK ||
		!strings.Contains(r.body, `value="https://www.exemple.fr/a"`) || !strings.Contains(r.body, "Ouest Matin") {
		t.Errorf("add form: %d", r.StatusCode)
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"url": {""}}, "Saisissez l&#39;adresse"},
		{url.Values{"url": {"ftp://exemple.fr/a"}}, "n&#39;est pas celle d&#39;une page web"},
		{url.Values{"url": {"exemple.fr/a"}}, "n&#39;est pas celle d&#39;une page web"},
		{url.Values{"url": {"https://exemple.fr/a"}, "outlet": {"inconnu"}}, "Titre de presse inconnu"},
		{url.Values{"url": {"https://exemple.fr/a"}, "published": {"31/02/2021"}}, "Date de publication incorrecte"},
		{url.Values{"url": {"https://exemple.fr/a"}, "published": {"2999-01-01"}}, "dans le futur"},
	} {
		r := c.post("/add", tc.form)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, tc.want) {
			t.Errorf("add %v: %d, want 400 with %q", tc.form, r.StatusCode, tc.want)
		}
		if u := tc.form.Get("url"); u != "" && !strings.Contains(r.body, `value="`+u+`"`) {
			t.Errorf("add %v: the form lost the address typed", tc.form)
		}
	}
}

func testAdd(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	ctx := context.Background()
	before, err := f.st.Count(ctx, store.CountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// A page that no feed lists, from a configured outlet: fetched, matched, stored, indexed.
	pageURL := f.hostile.URL + "/article/ajout-manuel"
	r := c.post("/add", url.Values{"url": {pageURL}})
	if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?ok=added") {
		t.Fatalf("add: %d → %q\n%s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	page := c.get(r.Header.Get("Location"))
	for _, want := range []string{"La page est ajoutée", "Les agences normandes misent sur l&#39;hydrogène", "Paul Granger", "14 septembre 2022"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the added clipping's page lacks %q", want)
		}
	}
	if after, _ := f.st.Count(ctx, store.CountFilter{}); after != before+1 {
		t.Errorf("count %d → %d after an add, want one more", before, after)
	}
	if !strings.Contains(c.get("/search?q=hydrogene").body, "Les agences normandes misent") {
		t.Error("the added clipping is not found by search (index not updated)")
	}
	// A page without any watched entity: stored, said so, not counted.
	r = c.post("/add", url.Values{"url": {f.hostile.URL + "/article/sans-mention"}, "outlet": {"gazette-piegee"}})
	if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?ok=added-nomatch") {
		t.Fatalf("add without mention: %d → %q\n%s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	if page := c.get(r.Header.Get("Location")); !strings.Contains(page.body, "aucune entité suivie") {
		t.Error("the page of an added article without mention does not say so")
	}
	// Failures, each with its reason, and nothing stored.
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html><body><p>Le CNER, réseau interne</p></body></html>"))
	}))
	defer elsewhere.Close()
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"url": {f.hostile.URL + "/article/inexistant"}}, "la page n&#39;existe pas (le site répond 404)"},
		{url.Values{"url": {elsewhere.URL + "/interne"}, "outlet": {"gazette-piegee"}}, "réseau privé ou réservé"},
		{url.Values{"url": {"https://inconnu.example/article"}}, "aucun titre de presse configuré n&#39;a ce domaine"},
	} {
		r := c.post("/add", tc.form)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, tc.want) {
			t.Errorf("add %v: %d, want 422 with %q\n%s", tc.form, r.StatusCode, tc.want, r.body)
		}
		if !strings.Contains(r.body, `value="`+tc.form.Get("url")+`"`) {
			t.Errorf("add %v: the form lost the address", tc.form)
		}
	}
	if n, _ := f.st.Count(ctx, store.CountFilter{}); n != before+1 {
		t.Errorf("failed adds changed the count: %d, want %d", n, before+1)
	}
}

func testStaticAssets(t *testing.T, f *fixture) {
	c := f.client()
	r := c.get("/login")
	m := regexp.MustCompile(`href="(/static/style\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("the stylesheet's URL carries no content hash")
	}
	css := c.get(m[1])
	if css.StatusCode != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") ||
		!strings.Contains(css.Header.Get("Cache-Control"), "immutable") || !strings.Contains(css.body, ".hit") {
		t.Errorf("stylesheet: %d %v", css.StatusCode, css.Header)
	}
	if r := c.get("/static/style.0000000000.css"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown asset: %d", r.StatusCode)
	}
	if r := c.get("/favicon.ico"); r.StatusCode != http.StatusOK {
		t.Errorf("favicon: %d", r.StatusCode)
	}
}

func testExcludeAndRestore(t *testing.T, f *fixture) {
	c := f.client()
	c.login()
	ctx := context.Background()
	id := f.clippingID("image-dans-le-titre")
	before, err := f.st.Count(ctx, store.CountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	link := fmt.Sprintf(`href="/clippings/%d"`, id)
	if !strings.Contains(c.get("/search?q=lyon").body, link) {
		t.Fatal("the clipping to exclude is not found by search")
	}
	// A reason too long: refused, nothing changed.
	r := c.post(fmt.Sprintf("/clippings/%d/exclude", id), url.Values{"reason": {strings.Repeat("x", 600)}})
	if r.StatusCode != http.StatusBadRequest {
		t.Errorf("long reason: %d", r.StatusCode)
	}
	const gazette = "La Gazette &lt;b&gt;Piégée&lt;/b&gt; &amp; Cie"
	_, facetBefore := facetLink(t, c.get("/").body, "outlet", gazette) // also fills the facet cache
	r = c.post(fmt.Sprintf("/clippings/%d/exclude", id), url.Values{"reason": {"homonyme"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != fmt.Sprintf("/clippings/%d?ok=excluded", id) {
		t.Fatalf("exclude: %d → %q", r.StatusCode, r.Header.Get("Location"))
	}
	d, err := f.st.ArticleDetailsOf(ctx, id)
	if err != nil || !d.Excluded || !strings.Contains(d.ExcludedReason, "homonyme") || !strings.Contains(d.ExcludedReason, testUser) {
		t.Fatalf("after exclude: %+v (%v)", d, err)
	}
	after, _ := f.st.Count(ctx, store.CountFilter{})
	if after != before-1 {
		t.Errorf("count %d → %d, want one less", before, after)
	}
	page := c.get(fmt.Sprintf("/clippings/%d?ok=excluded", id))
	if !strings.Contains(page.body, "Retombée écartée") || !strings.Contains(page.body, "homonyme") ||
		!strings.Contains(page.body, "Rétablir") {
		t.Error("the clipping page does not say it is excluded")
	}
	if strings.Contains(c.get("/search?q=lyon").body, link) {
		t.Error("search still finds the excluded clipping")
	}
	// The cached facet counts follow.
	if _, n := facetLink(t, c.get("/").body, "outlet", gazette); n != facetBefore-1 {
		t.Errorf("after the exclusion the outlet facet counts %d, want %d", n, facetBefore-1)
	}
	if has, err := f.ix.Has(id); err != nil || has {
		t.Errorf("the excluded clipping is still in the index (%v)", err)
	}
	// Another crawl does not bring it back.
	if _, err := f.pl.CrawlOnce(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.get("/search?q=lyon").body, link) {
		t.Error("after a new crawl, search finds the excluded clipping again")
	}
	if n, _ := f.st.Count(ctx, store.CountFilter{}); n != after {
		t.Errorf("after a new crawl the count is %d, want %d", n, after)
	}
	// Restore.
	r = c.post(fmt.Sprintf("/clippings/%d/restore", id), nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("restore: %d", r.StatusCode)
	}
	if !strings.Contains(c.get("/search?q=lyon").body, link) {
		t.Error("the restored clipping is not found")
	}
	if r := c.post("/clippings/99999999/exclude", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("exclude of an unknown clipping: %d", r.StatusCode)
	}
}

func TestServeShutsDown(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.srv.ServeListener(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login page: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeListener after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeListener did not return within 10 s of its context's end")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/login"); err == nil {
		t.Error("still serving after shutdown")
	}
}

// TestFacetsLater checks the facet counts of a large index: a page does not
// wait for them past facetWait (it says they are being counted, and the next
// load has them), and counts made stale by the crawler are shown while fresh
// ones are counted.
func TestFacetsLater(t *testing.T) {
	f := newFixture(t)
	srv, err := New(Options{Config: f.cfg, Store: f.st, Index: f.ix, Pipeline: f.pl, Logger: f.log})
	if err != nil {
		t.Fatal(err)
	}
	// Counting takes longer than a page may wait: the first count waits
	// until the first page is sent.
	srv.facetWait = 10 * time.Millisecond
	firstSent := make(chan struct{})
	var once sync.Once
	srv.beforeCount = func() { once.Do(func() { <-firstSent }) }
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	c := f.clientOf(ts)
	c.login()
	ctx := context.Background()

	r := c.get("/search?q=agences")
	close(firstSent)
	if !strings.Contains(r.body, "en cours de calcul") || strings.Contains(r.body, `data-facet="`) {
		t.Fatalf("the first load waited for the facets:\n%s", r.body)
	}
	if resultCount(t, r.body) == 0 {
		t.Fatal("the first load has no results")
	}
	var body string
	for deadline := time.Now().Add(30 * time.Second); ; {
		body = c.get("/search?q=agences&page=1").body // another page of the same search
		if strings.Contains(body, `data-facet="scope"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the facets never came")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The crawler (not the UI) removes a clipping: the stale counts are
	// shown at once, the fresh ones on a later load.
	_, before := facetLink(t, body, "scope", "Presse régionale")
	id := f.clippingID("script-dans-le-titre")
	if err := f.st.Exclude(ctx, id, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pl.SyncIndex(ctx); err != nil {
		t.Fatal(err)
	}
	r = c.get("/search?q=agences")
	if strings.Contains(r.body, "en cours de calcul") {
		t.Error("after a change, the page waits for fresh counts instead of showing the stale ones")
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		_, n := facetLink(t, c.get("/search?q=agences").body, "scope", "Presse régionale")
		if n == before-1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the regional count stays %d, want %d", n, before-1)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
