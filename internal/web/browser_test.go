package web

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds a Chromium on PATH (or in $(go env GOPATH)/bin). Without
// one the browser tests skip, unless VEILLE_E2E=require (CI), where they fail.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if gp, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(gp)), "bin", "chromium")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("VEILLE_E2E") == "require" {
		t.Fatal("chromium not found on PATH, and VEILLE_E2E=require: install it (apt-get install chromium)")
	}
	t.Skip("chromium not found on PATH: browser tests skipped (apt-get install chromium, or run .ci/run)")
	return ""
}

// browser starts a headless Chromium with a fresh profile, set up for a
// closed network (no background requests that would hang it).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium %s: %v", path, err)
	}
	return bctx
}

// screenshotDir is $VEILLE_SCREENSHOTS, or a new directory that outlives
// the test so that the pages can be looked at.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("VEILLE_SCREENSHOTS")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "veille-screenshots-"); err != nil {
			t.Fatal(err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// do runs steps that return nothing.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs an action and returns its value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// shoot saves a screenshot of the whole page (of the screen only when
// screenOnly: a phone's first screen).
func shoot(t *testing.T, ctx context.Context, dir, name string, screenOnly ...bool) {
	t.Helper()
	a := chromedp.FullScreenshot(100)
	if len(screenOnly) > 0 && screenOnly[0] {
		a = chromedp.CaptureScreenshot()
	}
	png := get(t, ctx, "screenshot "+name, a)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", p, len(png))
}

var digits = regexp.MustCompile(`\d[\d\x{202f} ]*`)

func countIn(t *testing.T, s string) int {
	t.Helper()
	m := digits.FindString(s)
	n, err := strconv.Atoi(strings.NewReplacer("\u202f", "", " ", "").Replace(m))
	if err != nil {
		t.Fatalf("no number in %q", s)
	}
	return n
}

// TestBrowser drives the UI in headless Chromium: log in, search, filter by
// a facet, open a clipping, exclude and restore it, and check that press
// titles holding <script> or <img onerror> run nothing, in the pages and in
// the stored copy. Screenshots of the search and totals pages are kept.
func TestBrowser(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t)
	dir := screenshotDir(t)
	base := f.ts.URL
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	location := func() string { return get(t, ctx, "location", chromedp.Location()) }
	text := func(sel string) string { return get(t, ctx, "text of "+sel, chromedp.Text(css(sel))) }
	evalInt := func(js string) int { return get(t, ctx, js, chromedp.Evaluate[int](js)) }
	evalStr := func(js string) string { return get(t, ctx, js, chromedp.Evaluate[string](js)) }
	// waitURL waits for a navigation started by a click or a form to land.
	waitURL := func(what string, ok func(u *url.URL) bool) *url.URL {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			u, err := url.Parse(location())
			if err == nil && ok(u) {
				do(t, ctx, "page ready", chromedp.WaitReady(css(`body`)))
				return u
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still at %s", what, location())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// Any page asks for the login first, then comes back.
	do(t, ctx, "open search", chromedp.Navigate(base+"/search?q=agences"), chromedp.WaitVisible(css(`#password`)))
	if u, _ := url.Parse(location()); u == nil || u.Path != "/login" {
		t.Fatalf("not sent to the login form: %s", location())
	}
	do(t, ctx, "bad login", chromedp.SendKeys(css(`#name`), testUser), chromedp.SendKeys(css(`#password`), "pas-le-bon"),
		chromedp.Click(css(`button[type=submit]`)), chromedp.WaitVisible(css(`p.error`)))
	if msg := text(`p.error`); !strings.Contains(msg, "Identifiant ou mot de passe incorrect") {
		t.Errorf("bad login message: %q", msg)
	}
	do(t, ctx, "login", chromedp.WaitVisible(css(`#password`)), chromedp.SendKeys(css(`#password`), testPassword),
		chromedp.Click(css(`button[type=submit]`)))
	waitURL("after login, back on the search", func(u *url.URL) bool {
		return u.Path == "/search" && u.Query().Get("q") == "agences"
	})
	do(t, ctx, "results", chromedp.WaitVisible(css(`ol.hits`)))

	// Search from the box.
	do(t, ctx, "search", chromedp.Clear(css(`input[name=q]`)), chromedp.SendKeys(css(`input[name=q]`), "cner"),
		chromedp.Submit(css(`input[name=q]`)))
	// The URL holds the search, and only it (the form's empty fields are dropped).
	waitURL("search by the box", func(u *url.URL) bool { return u.RawQuery == "q=cner" })
	do(t, ctx, "results", chromedp.WaitVisible(css(`ol.hits`)))
	all := countIn(t, text(`p.count`))
	if marks := evalInt(`document.querySelectorAll('ol.hits mark').length`); all == 0 || marks == 0 {
		t.Fatalf("search « cner »: %d results, %d highlighted words", all, marks)
	}

	// Filter by a facet.
	facet := `//section[@data-facet="scope"]//li[a[normalize-space(.)="Presse régionale"]]`
	facetCount := get(t, ctx, "read facet", chromedp.Text(facet+`/span`))
	do(t, ctx, "click facet", chromedp.Click(facet+`/a`))
	waitURL("facet", func(u *url.URL) bool { return u.Query().Get("scope") == "regional" && u.Query().Get("q") == "cner" })
	do(t, ctx, "chips", chromedp.WaitVisible(css(`ul.chips`)))
	if got, want := countIn(t, text(`p.count`)), countIn(t, facetCount); got != want || got >= all {
		t.Errorf("filtered: %d results, the facet said %d (of %d)", got, want, all)
	}
	shoot(t, ctx, dir, "search.png")

	// Open a clipping.
	title := text(`ol.hits li:first-child h2 a`)
	do(t, ctx, "open clipping", chromedp.Click(css(`ol.hits li:first-child h2 a`)))
	waitURL("clipping", func(u *url.URL) bool { return strings.HasPrefix(u.Path, "/clippings/") })
	do(t, ctx, "facts", chromedp.WaitVisible(css(`dl.facts`)))
	if h1 := text(`article.clipping h1`); strings.TrimSpace(h1) != strings.TrimSpace(title) {
		t.Errorf("clipping page %s: h1 %q, the hit said %q", location(), h1, title)
	}
	if n := evalInt(`document.querySelectorAll('section.mentions li mark').length`); n == 0 {
		t.Error("the clipping page shows no marked mention")
	}
	shoot(t, ctx, dir, "clipping.png")

	// Hostile titles: shown as text, nothing runs.
	do(t, ctx, "hostile search", chromedp.Navigate(fmt.Sprintf("%s/search?q=%s", base, url.QueryEscape("financement OR lyon"))),
		chromedp.WaitVisible(css(`ol.hits`)))
	xss := evalStr(`String(window.__xss)`)
	injected := evalInt(`document.querySelectorAll('main script, main img, main iframe, main object, main [onerror], main [onload]').length`)
	if xss != "undefined" || injected != 0 {
		t.Errorf("hostile titles ran or injected something: window.__xss = %s, %d injected elements", xss, injected)
	}
	titles := get(t, ctx, "titles", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('ol.hits h2')).map(e => e.textContent)`))
	joined := strings.Join(titles, "\n")
	if !strings.Contains(joined, `<script>window.__xss = "title-script"</script>`) ||
		!strings.Contains(joined, `<img src=x onerror="window.__xss='title-img'">`) {
		t.Errorf("the hostile titles are not shown as text: %q", titles)
	}
	scriptID := f.clippingID("script-dans-le-titre")
	do(t, ctx, "hostile clipping", chromedp.Navigate(fmt.Sprintf("%s/clippings/%d", base, scriptID)),
		chromedp.WaitVisible(css(`dl.facts`)), chromedp.ScrollIntoView(css(`section.copy iframe`)),
		chromedp.Sleep(500*time.Millisecond))
	if xss := evalStr(`String(window.__xss)`); xss != "undefined" {
		t.Errorf("the hostile clipping page ran a script: window.__xss = %s", xss)
	}
	// The frame of the stored copy is in another process: a full-page
	// screenshot leaves it blank, a screenshot of the screen shows it.
	shoot(t, ctx, dir, "clipping-copy.png", true)
	// The stored copy, opened on its own: sanitised and sandboxed.
	do(t, ctx, "stored copy", chromedp.Navigate(fmt.Sprintf("%s/clippings/%d/copy", base, scriptID)),
		chromedp.WaitVisible(css(`body`)), chromedp.Sleep(300*time.Millisecond))
	xss = evalStr(`String(window.__xss)`)
	injected = evalInt(`document.querySelectorAll('script, img, iframe, object, svg, form, [onerror], [onload], [onclick]').length`)
	if xss != "undefined" || injected != 0 {
		t.Errorf("the stored copy ran or kept something: window.__xss = %s, %d dangerous elements", xss, injected)
	}
	if copyText := text(`body`); !strings.Contains(copyText, "Le président du CNER appelle les élus") {
		t.Errorf("the stored copy lost its text: %q", copyText)
	}

	// Exclude a false positive through the form, then restore it: the
	// forms work in a real browser under the cross-origin protection.
	imgID := f.clippingID("image-dans-le-titre")
	do(t, ctx, "exclude", chromedp.Navigate(fmt.Sprintf("%s/clippings/%d", base, imgID)), chromedp.WaitVisible(css(`#reason`)),
		chromedp.SendKeys(css(`#reason`), "essai du navigateur"), chromedp.Click(css(`section.actions button`)))
	waitURL("exclude", func(u *url.URL) bool { return u.Query().Get("ok") == "excluded" })
	do(t, ctx, "excluded", chromedp.WaitVisible(css(`div.excluded`)))
	if flash := text(`p.flash`); !strings.Contains(flash, "écartée") {
		t.Errorf("after exclusion the flash says %q", flash)
	}
	if d, err := f.st.ArticleDetailsOf(context.Background(), imgID); err != nil || !d.Excluded {
		t.Errorf("the browser's exclusion is not in the store (%v)", err)
	}
	do(t, ctx, "restore", chromedp.Click(css(`div.excluded button`)))
	waitURL("restore", func(u *url.URL) bool { return u.Query().Get("ok") == "restored" })
	do(t, ctx, "restored", chromedp.WaitVisible(css(`section.actions`)))
	if d, err := f.st.ArticleDetailsOf(context.Background(), imgID); err != nil || d.Excluded {
		t.Errorf("the browser's restore is not in the store (%v)", err)
	}

	// Totals.
	do(t, ctx, "totals", chromedp.Navigate(base+"/totals?year=2021"), chromedp.WaitVisible(css(`section.chart svg`)))
	if sentence := text(`#phrase`); !strings.Contains(sentence, "retombées dans la presse en 2021 :") {
		t.Errorf("totals sentence: %q", sentence)
	}
	if bars := evalInt(`document.querySelectorAll('section.chart rect').length`); bars != 24 {
		t.Errorf("the chart has %d bars, want 24", bars)
	}
	shoot(t, ctx, dir, "totals.png")
	do(t, ctx, "sources", chromedp.Navigate(base+"/sources"), chromedp.WaitVisible(css(`table.sources`)))
	shoot(t, ctx, dir, "sources.png")

	// On a phone.
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(base+"/search?q=agences"), chromedp.WaitVisible(css(`ol.hits`)))
	overflow := `document.documentElement.scrollWidth > window.innerWidth + 1`
	if get(t, ctx, "overflow", chromedp.Evaluate[bool](overflow)) {
		t.Error("the search page is wider than a phone's screen")
	}
	shoot(t, ctx, dir, "search-phone.png", true)
	do(t, ctx, "phone clipping", chromedp.Navigate(fmt.Sprintf("%s/clippings/%d", base, scriptID)), chromedp.WaitVisible(css(`dl.facts`)))
	if get(t, ctx, "overflow", chromedp.Evaluate[bool](overflow)) {
		t.Error("the clipping page is wider than a phone's screen")
	}
	shoot(t, ctx, dir, "clipping-phone.png", true)
}
