package digest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds a Chromium on PATH; without one the test skips, unless
// VEILLE_E2E=require (CI), where it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("VEILLE_E2E") == "require" {
		t.Fatal("chromium not found on PATH, and VEILLE_E2E=require: install it (apt-get install chromium)")
	}
	t.Skip("chromium not found on PATH: the phone-width rendering test is skipped (apt-get install chromium)")
	return ""
}

// TestHTMLOnPhone opens the HTML digest in a real browser at a phone's
// width: nothing sticks out sideways (not even a clipping whose title is a
// long URL), the text is large enough, the matched words are bold.
func TestHTMLOnPhone(t *testing.T) {
	path := chromium(t)
	h := newHarness(t, everything)
	seedAll(h, at(2025, 3, 13, 20, 0))
	h.seed("UnTresLongIdentifiantDArticleSansAucuneEspaceNiTiretQuiDeborderaitDeLEcranDuTelephoneSiRienNeLeCoupaitVraimentRienDuToutPasMemeUnSeul2025", at(2025, 3, 13, 20, 0))
	h.clock.Set(at(2025, 3, 14, 8, 0))
	previews, err := h.service(Options{}).Preview(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "digest.html")
	if err := os.WriteFile(file, []byte(previews[0].Rendered.HTML), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-networking", true),
		chromedp.WindowSize(375, 740))
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(375, 740), chromedp.Navigate("file://"+file)); err != nil {
		t.Fatalf("chromium %s: %v", path, err)
	}
	eval := func(js string) float64 {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[float64](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	scrollWidth := eval(`document.documentElement.scrollWidth`)
	viewport := eval(`window.innerWidth`)
	minFont := eval(`Math.min(...[...document.querySelectorAll('p, h1, h2, a, td')].map(e => parseFloat(getComputedStyle(e).fontSize)))`)
	bold, err := chromedp.Run(bctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('p strong')).fontWeight`))
	if err != nil {
		t.Fatal(err)
	}
	if scrollWidth > viewport {
		t.Errorf("the digest is %.0fpx wide on a %.0fpx screen", scrollWidth, viewport)
	}
	if minFont < 12 {
		t.Errorf("smallest text %.0fpx, want at least 12px", minFont)
	}
	if bold != "700" && bold != "bold" {
		t.Errorf("matched words have font-weight %q, want bold", bold)
	}
}
