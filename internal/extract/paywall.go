package extract

import (
	"strings"

	"github.com/cner/veille/internal/model"
)

// teaserLetters is the text size under which a page with a paywall box or
// phrase is taken for a teaser: a full article behind a metered wall that
// still shows its text is not one.
const teaserLetters = 2500

// detectPaywall sets Paywalled. Strong signals are the page's own
// statements: JSON-LD isAccessibleForFree=false and a locked content tier.
// Weak signals (a paywall box, "réservé aux abonnés", "Il vous reste 80 %
// de cet article à lire") count when the text left is short.
func (p *page) detectPaywall(a *model.Article) {
	for _, n := range p.ld {
		if n.free == "false" && (n.isArticle() || n.isType("webpage")) {
			a.Paywalled = true
			return
		}
	}
	switch strings.ToLower(p.metaFirst("article:content_tier", "og:article:content_tier")) {
	case "locked":
		a.Paywalled = true
		return
	}
	if p.paywallHint && countLetters(a.Text) < teaserLetters {
		a.Paywalled = true
	}
}
