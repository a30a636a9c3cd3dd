package extract

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// junkTags never hold article text.
var junkTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Iframe: true,
	atom.Object: true, atom.Embed: true, atom.Canvas: true, atom.Button: true, atom.Input: true,
	atom.Select: true, atom.Textarea: true, atom.Option: true, atom.Nav: true, atom.Aside: true,
	atom.Footer: true, atom.Dialog: true, atom.Menu: true, atom.Link: true, atom.Meta: true,
	atom.Svg: true, atom.Math: true, atom.Audio: true, atom.Video: true, atom.Source: true,
	atom.Map: true, atom.Area: true, atom.Head: true, atom.Title: true, atom.Label: true,
	atom.Img: true, atom.Picture: true, atom.Figure: true, atom.Figcaption: true, atom.Hr: true,
}

func isJunkTag(n *html.Node) bool {
	if junkTags[n.DataAtom] {
		return true
	}
	return n.DataAtom == 0 && (n.Data == "svg" || strings.HasPrefix(n.Data, "amp-ad") || n.Data == "amp-iframe")
}

// inlineTags continue the paragraph they sit in.
var inlineTags = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true,
	atom.Code: true, atom.Data: true, atom.Dfn: true, atom.Em: true, atom.Font: true, atom.I: true,
	atom.Kbd: true, atom.Mark: true, atom.Q: true, atom.S: true, atom.Samp: true, atom.Small: true,
	atom.Span: true, atom.Strong: true, atom.Sub: true, atom.Sup: true, atom.Time: true, atom.U: true,
	atom.Var: true, atom.Wbr: true, atom.Del: true, atom.Ins: true, atom.Strike: true, atom.Tt: true,
	atom.Big: true, atom.Nobr: true, atom.Label: true, atom.Acronym: true,
}

// unlikelyRoles are ARIA roles of page furniture.
var unlikelyRoles = map[string]bool{
	"navigation": true, "menu": true, "menubar": true, "complementary": true, "banner": true,
	"contentinfo": true, "dialog": true, "alertdialog": true, "search": true, "tablist": true,
}

// Class and id vocabulary. Strong words mark furniture whatever else the
// class says; weak words only when no content word is there too.
var (
	// strongNegative words are matched anywhere in the class string: they
	// are long enough not to occur inside unrelated words.
	strongNegative = []string{
		"comment", "cookie", "consent", "newsletter", "related", "sharing", "social",
		"outbrain", "taboola", "sidebar", "breadcrumb", "disqus", "advert", "sponsor",
		"subscribe", "signup", "sign-up", "popup", "recommend", "most-read", "mostread",
		"most-popular", "mostpopular", "trending", "lire-aussi", "lireaussi", "read-more",
		"readmore", "also-read", "alsoread", "see-also", "voir-aussi", "further-reading",
		"more-stories", "toolbar", "pagination", "masthead", "navbar", "navigation", "footer",
		"paywall", "pay-wall", "regwall", "abonnement", "jeparticipe", "nocontent",
		"smartbanner", "adslot", "ad-slot", "advertis", "banniere", "partage", "reseaux",
		"connexion", "onesignal", "didomi", "carousel", "teaser-list", "tag-list", "taglist",
		"keywords", "print-only", "visually-hidden", "sr-only", "screen-reader", "skip-link",
		"author-bio", "authorbio", "about-author", "author-box", "ligatus", "playlist",
		"more-from", "morefrom", "next-article", "prev-article", "post-nav", "entry-meta",
		"post-meta", "article-meta", "byline", "dateline", "timestamp",
	}
	// strongTokens are short furniture words matched as whole parts of a
	// class (split at spaces, hyphens and underscores).
	strongTokens = map[string]bool{
		"share": true, "promo": true, "pager": true, "modal": true, "pub": true, "popular": true,
		"rgpd": true, "gdpr": true, "login": true, "slider": true, "credit": true, "credits": true,
		"caption": true, "tags": true, "topics": true, "alire": true, "inread": true, "ligatus": true,
		"shares": true, "partager": true, "socials": true,
	}
	weakNegative = map[string]bool{
		"nav": true, "ad": true, "ads": true, "pub": true, "meta": true, "hidden": true, "hide": true,
		"author": true, "date": true, "tag": true, "rail": true, "aside": true, "extra": true, "donate": true,
		"overlay": true, "tooltip": true, "aux": true, "secondary": true, "menu": true, "banner": true,
		"teaser": true, "teasers": true, "thumbnail": true, "video": true, "player": true, "gallery": true,
		"slideshow": true, "embed": true, "infos": true, "signature": true, "header": true, "top": true,
		"bottom": true, "bar": true, "links": true, "list": true, "cards": true, "card": true, "outils": true,
		"tools": true, "utility": true, "follow": true, "alert": true, "print": true, "header-nav": true,
		"copyright": true, "legal": true, "contact": true, "shop": true, "shopping": true, "sponsored": true,
	}
	positiveWords = []string{
		"article", "content", "entry", "main", "post", "story", "text", "body", "chapo", "blog",
		"corps", "texte", "contenu", "paragraph", "prose", "rich-text", "richtext",
	}
)

// classOf returns the lowercased class and id of n, without the taxonomy
// classes that blogs put on articles (tag-…, category-…): those name the
// article's topics ("tag-social", "category-newsletter"), not its role.
func classOf(n *html.Node) string {
	c, id := "", ""
	for _, a := range n.Attr {
		switch a.Key {
		case "class":
			c = a.Val
		case "id":
			id = a.Val
		}
	}
	if c == "" && id == "" {
		return ""
	}
	s := strings.ToLower(c + " " + id)
	if strings.Contains(s, "tag-") || strings.Contains(s, "categor") || strings.Contains(s, "topic-") ||
		strings.Contains(s, "has-") || strings.Contains(s, "is-") || strings.Contains(s, "-enabled") {
		f := strings.Fields(s)
		k := 0
		for _, t := range f {
			if strings.HasPrefix(t, "tag-") || strings.HasPrefix(t, "tags-") || strings.HasPrefix(t, "category-") ||
				strings.HasPrefix(t, "categories-") || strings.HasPrefix(t, "topic-") || strings.HasPrefix(t, "post_tag-") ||
				strings.HasPrefix(t, "has-") || strings.HasPrefix(t, "is-") || strings.HasSuffix(t, "-enabled") {
				continue // taxonomy and state classes
			}
			f[k] = t
			k++
		}
		s = strings.Join(f[:k], " ")
	}
	return s
}

// classVerdict classifies class and id words: strong furniture, weak
// furniture, content.
func classVerdict(cls string) (strong, weak, positive bool) {
	if cls == "" {
		return
	}
	for _, w := range strongNegative {
		if strings.Contains(cls, w) {
			strong = true
			break
		}
	}
	for _, w := range positiveWords {
		if strings.Contains(cls, w) {
			positive = true
			break
		}
	}
	if !strong {
		for _, tok := range strings.FieldsFunc(cls, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		}) {
			if strongTokens[tok] {
				strong = true
				break
			}
			if weakNegative[tok] {
				weak = true
			}
		}
	}
	return
}

// isBoilerplateNode reports whether n is furniture by its tag, role or
// class, without looking at its size.
func isBoilerplateNode(n *html.Node) bool {
	if isJunkTag(n) || unlikelyRoles[attr(n, "role")] {
		return true
	}
	strong, weak, positive := classVerdict(classOf(n))
	return strong || (weak && !positive)
}

// isHidden reports whether n is hidden from readers.
func isHidden(n *html.Node) bool {
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "aria-hidden":
			if a.Val == "true" {
				return true
			}
		case "style":
			s := strings.ToLower(a.Val)
			if strings.Contains(s, "display") && reDisplayNone.MatchString(s) {
				return true
			}
			if strings.Contains(s, "visibility") && reVisibilityHidden.MatchString(s) {
				return true
			}
		}
	}
	return false
}

// furniturePrefixes open a link box or a furniture line (compared in
// lower case, after leading punctuation).
var furniturePrefixes = []string{
	"à lire aussi", "a lire aussi", "lire aussi", "à lire également", "lire également", "à voir aussi",
	"voir aussi", "à découvrir", "découvrez aussi", "sur le même sujet", "dans la même rubrique",
	"les plus lus", "nos articles", "read more", "read also", "related", "see also", "more on this",
	"recommended", "advertisement", "publicité", "partager", "share this", "share on", "tweet",
	"imprimer", "print", "abonnez-vous", "subscribe", "newsletter", "inscrivez-vous", "sign up",
	"s'abonner", "suivez-nous", "follow us", "lire la suite", "continue reading", "crédit photo",
	"photo :", "photo:", "©", "copyright", "tous droits réservés", "all rights reserved", "mots-clés",
	"mots clés", "tags :", "tags:", "topics:", "commentaires", "comments",
}

// isFurnitureLine reports whether t opens like a furniture line.
func isFurnitureLine(t string) bool {
	t = strings.TrimLeftFunc(t, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '©'
	})
	if len(t) > 48 {
		t = t[:48]
	}
	t = strings.ToLower(t)
	for _, p := range furniturePrefixes {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// mayBePaywallPhrase is a cheap test before rePaywallPhrase.
func mayBePaywallPhrase(t string) bool {
	l := strings.ToLower(t)
	for _, w := range []string{"abonn", "réserv", "reserv", "il vous reste", "lire la suite", "subscri", "continue reading", "premium", "illimité"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

var (
	reDisplayNone      = regexp.MustCompile(`display\s*:\s*none`)
	reVisibilityHidden = regexp.MustCompile(`visibility\s*:\s*hidden`)
	// A byline or date line inside the body.
	reBylineLine = regexp.MustCompile(`(?i)^(?:par|by|von|de)\s+\p{Lu}[\p{L}'’.\-]+(?:\s+\p{Lu}[\p{L}'’.\-]+){0,3}(?:\s*(?:,|et|and|avec|with|\|)\s*.*)?$`)
	// Paywall phrases.
	rePaywallPhrase = regexp.MustCompile(`(?i)(réservé aux abonnés|réservée aux abonnés|reserve aux abonnes|article réservé|la suite est réservée|il vous reste \d+\s*% de (?:cet|l')article|pour lire la suite|abonnez-vous pour (?:lire|continuer|accéder)|lire la suite de cet article|cet article est réservé|contenu réservé|accès illimité|subscribe to (?:continue|read)|to continue reading|this article is for subscribers|subscriber-only|exclusive to subscribers|premium content)`)
)

// mainText finds the lead and the main text. It removes furniture from the
// tree as it goes.
func (p *page) mainText(sel *selectors) (lead, text string) {
	body := p.body
	if sel.remove != nil {
		for _, n := range cascadia.QueryAll(body, sel.remove) {
			removeNode(n)
		}
	}

	// The configured body selector, when it matches, is the content.
	var roots []*html.Node
	if sel.body != nil {
		roots = cascadia.QueryAll(body, sel.body)
	}

	leadNode := p.findLead()
	if leadNode != nil {
		lead = blockText(leadNode, nil)
	}

	p.clean(body)

	if len(roots) == 0 {
		roots = p.pickContent(body)
	}
	for _, r := range roots {
		p.cleanConditionally(r)
	}
	var skip map[*html.Node]bool
	if leadNode != nil || p.h1 != nil {
		skip = map[*html.Node]bool{}
		if leadNode != nil {
			skip[leadNode] = true
		}
	}
	var paras []string
	for _, r := range roots {
		paras = collectParagraphs(r, skip, paras)
	}
	paras = p.filterParagraphs(paras, lead)
	return lead, strings.Join(paras, "\n\n")
}

// clean removes furniture from the tree under root: junk tags, hidden
// elements, ARIA roles of furniture, and elements whose class or id names
// furniture, unless they hold the article (an h1, itemprop=articleBody, or
// most of the page's text).
func (p *page) clean(root *html.Node) {
	total := -1
	var remove []*html.Node
	walk(root, func(n *html.Node) bool {
		if isJunkTag(n) {
			remove = append(remove, n)
			if n.DataAtom == atom.Aside || n.DataAtom == atom.Footer {
				p.notePaywall(n)
			}
			return false
		}
		if n.DataAtom == atom.Form && !hasParagraphs(n, 200) {
			remove = append(remove, n)
			return false
		}
		if isHidden(n) {
			p.notePaywall(n)
			remove = append(remove, n)
			return false
		}
		if unlikelyRoles[attr(n, "role")] && n.DataAtom != atom.Article && n.DataAtom != atom.Main {
			remove = append(remove, n)
			return false
		}
		cls := classOf(n)
		if cls == "" || n.DataAtom == atom.Body || n.DataAtom == atom.Html {
			return true
		}
		strong, weak, positive := classVerdict(cls)
		if !strong && !(weak && !positive) {
			return true
		}
		if strings.Contains(cls, "paywall") || strings.Contains(cls, "premium") || strings.Contains(cls, "abonn") || strings.Contains(cls, "subscri") {
			p.paywallHint = true
		}
		if attr(n, "itemprop") == "articleBody" || containsMarker(n) {
			return true
		}
		// A furniture word on an element that holds much of the page's
		// text is a misnomer (page builders put "widget" or "sticky" on
		// everything): keep it. Content words lower the bar.
		if total < 0 {
			total = countLetters(textOf(root))
		}
		share := 0.4
		if positive || n.DataAtom == atom.Article || n.DataAtom == atom.Main {
			share = 0.25
		}
		if k := countLetters(textOf(n)); float64(k) > share*float64(total) && k > 300 {
			return true
		}
		remove = append(remove, n)
		return false
	})
	for _, n := range remove {
		removeNode(n)
	}
}

// containsMarker reports whether n holds the article's h1 or its
// itemprop=articleBody.
func containsMarker(n *html.Node) bool {
	found := false
	walk(n, func(c *html.Node) bool {
		if found {
			return false
		}
		if c.DataAtom == atom.H1 || attr(c, "itemprop") == "articleBody" {
			found = true
			return false
		}
		return true
	})
	return found
}

// hasParagraphs reports whether n holds paragraphs of more than min
// letters in all.
func hasParagraphs(n *html.Node, min int) bool {
	total := 0
	walk(n, func(c *html.Node) bool {
		if total > min {
			return false
		}
		if c.DataAtom == atom.P {
			total += countLetters(textOf(c))
			return false
		}
		return true
	})
	return total > min
}

// notePaywall records a paywall box or phrase seen in a removed element.
func (p *page) notePaywall(n *html.Node) {
	if p.paywallHint {
		return
	}
	cls := classOf(n)
	if strings.Contains(cls, "paywall") || strings.Contains(cls, "premium") || strings.Contains(cls, "abonn") || strings.Contains(cls, "subscri") {
		p.paywallHint = true
		return
	}
	if n.DataAtom == atom.Script || n.DataAtom == atom.Style {
		return
	}
	t := textOf(n)
	if len(t) < 2000 && mayBePaywallPhrase(t) && rePaywallPhrase.MatchString(t) {
		p.paywallHint = true
	}
}

// candidate is an element that holds paragraphs.
type candidate struct {
	node  *html.Node
	score float64
}

// paragraph-like elements whose text scores their ancestors.
func isScoredTag(n *html.Node) bool {
	switch n.DataAtom {
	case atom.P, atom.Pre, atom.Td, atom.Blockquote:
		return true
	case atom.Div, atom.Section:
		// A div used as a paragraph: it has text of its own and no block
		// child.
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && !inlineTags[c.DataAtom] && c.DataAtom != atom.Br {
				return false
			}
		}
		return true
	}
	return false
}

// pickContent scores the containers of paragraphs and returns the best with
// its siblings of the same kind.
func (p *page) pickContent(body *html.Node) []*html.Node {
	scores := make(map[*html.Node]float64, 256)
	var order []*html.Node
	init := func(n *html.Node) {
		if _, ok := scores[n]; ok {
			return
		}
		s := 0.0
		switch n.DataAtom {
		case atom.Div, atom.Article, atom.Main:
			s = 5
		case atom.Pre, atom.Td, atom.Blockquote:
			s = 3
		case atom.Address, atom.Ol, atom.Ul, atom.Dl, atom.Dd, atom.Dt, atom.Li, atom.Form:
			s = -3
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Th:
			s = -5
		}
		if attr(n, "itemprop") == "articleBody" {
			s += 50
		}
		s += classWeight(n)
		scores[n] = s
		order = append(order, n)
	}
	walk(body, func(n *html.Node) bool {
		if !isScoredTag(n) {
			// Text written straight into a container, between <br>s,
			// scores the container like a paragraph would.
			if (n.DataAtom == atom.Div || n.DataAtom == atom.Td || n.DataAtom == atom.Section) && hasOwnText(n) {
				if t := ownText(n); len(t) >= 100 {
					init(n)
					scores[n] += 1 + float64(strings.Count(t, ",")) + min(float64(len(t))/100, 3)
				}
			}
			return true
		}
		t := textOf(n)
		if len(t) < 25 {
			return n.DataAtom == atom.Div || n.DataAtom == atom.Section || n.DataAtom == atom.Td
		}
		score := 1 + float64(strings.Count(t, ",")+strings.Count(t, "，")) + min(float64(len(t))/100, 3)
		level := 0
		for a := n.Parent; a != nil && level < 5; a = a.Parent {
			if a.Type != html.ElementNode {
				break
			}
			init(a)
			switch level {
			case 0:
				scores[a] += score
			case 1:
				scores[a] += score / 2
			default:
				scores[a] += score / float64(level*3)
			}
			level++
		}
		return n.DataAtom == atom.Td
	})
	if len(order) == 0 {
		return []*html.Node{body}
	}
	cands := make([]candidate, 0, len(order))
	for _, n := range order {
		s := scores[n] * (1 - linkDensity(n))
		scores[n] = s
		cands = append(cands, candidate{n, s})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	top := cands[0].node
	topScore := cands[0].score
	if top.DataAtom == atom.Body || top.DataAtom == atom.Html {
		return []*html.Node{top}
	}

	// When several strong candidates share an ancestor, the article is
	// that ancestor (paragraphs split across wrappers).
	var alts []*html.Node
	for _, c := range cands[1:min(len(cands), 6)] {
		if c.score >= topScore*0.75 {
			alts = append(alts, c.node)
		}
	}
	if len(alts) >= 3 {
		for a := top.Parent; a != nil && a.DataAtom != atom.Body; a = a.Parent {
			n := 0
			for _, alt := range alts {
				if isAncestor(a, alt) {
					n++
				}
			}
			if n >= 3 {
				top = a
				break
			}
		}
	}
	// Climb while the parent scores higher (the article wraps its parts).
	last := scores[top]
	for a := top.Parent; a != nil && a.DataAtom != atom.Body; a = a.Parent {
		s, ok := scores[a]
		if !ok {
			continue
		}
		if s < topScore/3 {
			break
		}
		if s > last {
			top = a
			break
		}
		last = s
	}
	// A lone child: its parent.
	for top.Parent != nil && top.Parent.DataAtom != atom.Body && elementChildren(top.Parent) == 1 {
		top = top.Parent
	}

	// Siblings that belong with it.
	parent := top.Parent
	if parent == nil {
		return []*html.Node{top}
	}
	topScore = scores[top]
	threshold := max(10, topScore*0.2)
	topClass := attr(top, "class")
	var out []*html.Node
	for s := parent.FirstChild; s != nil; s = s.NextSibling {
		if s.Type != html.ElementNode {
			continue
		}
		if s == top {
			out = append(out, s)
			continue
		}
		bonus := 0.0
		if topClass != "" && attr(s, "class") == topClass {
			bonus = topScore * 0.2
		}
		if sc, ok := scores[s]; ok && sc+bonus >= threshold {
			out = append(out, s)
			continue
		}
		if s.DataAtom == atom.P {
			t := textOf(s)
			ld := linkDensity(s)
			n := utf8.RuneCountInString(t)
			if (n > 80 && ld < 0.25) || (n > 0 && n <= 80 && ld == 0 && strings.Contains(t, ". ")) {
				out = append(out, s)
			}
		}
	}
	return out
}

func isAncestor(a, n *html.Node) bool {
	for x := n.Parent; x != nil; x = x.Parent {
		if x == a {
			return true
		}
	}
	return false
}

func elementChildren(n *html.Node) int {
	k := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			k++
		} else if c.Type == html.TextNode && !isBlank(c.Data) {
			return 2
		}
	}
	return k
}

// classWeight is readability's class weight: +25 for content words, -25
// for furniture words.
func classWeight(n *html.Node) float64 {
	cls := classOf(n)
	if cls == "" {
		return 0
	}
	strong, weak, positive := classVerdict(cls)
	w := 0.0
	if positive {
		w += 25
	}
	if strong || weak {
		w -= 25
	}
	return w
}

// linkDensity is the share of n's letters that sit inside links.
func linkDensity(n *html.Node) float64 {
	total, inLinks := letterCounts(n, false)
	if total == 0 {
		return 0
	}
	return float64(inLinks) / float64(total)
}

// letterCounts counts the letters under n and those inside links.
func letterCounts(n *html.Node, inLink bool) (total, links int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			k := countLetters(c.Data)
			total += k
			if inLink {
				links += k
			}
		case html.ElementNode:
			if c.DataAtom == atom.Script || c.DataAtom == atom.Style {
				continue
			}
			t, l := letterCounts(c, inLink || c.DataAtom == atom.A)
			total += t
			links += l
		}
	}
	return
}

// cleanConditionally removes, under root, the blocks that are link lists or
// furniture lines: related-article lists left without a class, "À lire
// aussi" boxes, tag lists.
func (p *page) cleanConditionally(root *html.Node) {
	var remove []*html.Node
	walk(root, func(n *html.Node) bool {
		switch n.DataAtom {
		case atom.Div, atom.Section, atom.Ul, atom.Ol, atom.Table, atom.Dl, atom.Header, atom.P, atom.Blockquote:
		default:
			return true
		}
		total, links := letterCounts(n, false)
		if total == 0 {
			if n.DataAtom != atom.P && !hasDescendant(n, atom.Br) {
				remove = append(remove, n)
			}
			return false
		}
		ld := float64(links) / float64(total)
		switch n.DataAtom {
		case atom.Ul, atom.Ol:
			if ld > 0.5 || (ld > 0.3 && total < 1000) {
				remove = append(remove, n)
				return false
			}
		case atom.P, atom.Blockquote:
			if ld > 0.7 && total < 300 {
				remove = append(remove, n)
			}
			return false
		default:
			if (ld > 0.5 && total < 3000) || (ld > 0.35 && total < 600) {
				remove = append(remove, n)
				return false
			}
		}
		if total < 800 && n.DataAtom != atom.Table {
			if t := textOf(n); isFurnitureLine(t) && ld > 0.2 {
				remove = append(remove, n)
				return false
			}
		}
		return true
	})
	for _, n := range remove {
		removeNode(n)
	}
}

func hasDescendant(n *html.Node, a atom.Atom) bool {
	return find(n, a) != nil
}

// collectParagraphs appends the text blocks under n, in reading order.
func collectParagraphs(n *html.Node, skip map[*html.Node]bool, out []string) []string {
	var b strings.Builder
	flush := func() {
		if t := collapseSpace(b.String()); t != "" {
			out = append(out, t)
		}
		b.Reset()
	}
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				if skip[c] || isJunkTag(c) || c.DataAtom == atom.H1 {
					continue
				}
				if c.DataAtom == atom.Br {
					// Two <br> in a row separate paragraphs; one is a
					// line break within a paragraph.
					if c.NextSibling != nil && c.NextSibling.DataAtom == atom.Br {
						flush()
					} else {
						b.WriteByte(' ')
					}
					continue
				}
				if inlineTags[c.DataAtom] && c.DataAtom != atom.Label {
					rec(c)
					continue
				}
				if c.DataAtom == atom.Td || c.DataAtom == atom.Th {
					rec(c)
					b.WriteByte(' ')
					continue
				}
				flush()
				rec(c)
				flush()
			}
		}
	}
	if skip[n] {
		return out
	}
	if inlineTags[n.DataAtom] {
		rec(n)
		flush()
		return out
	}
	rec(n)
	flush()
	return out
}

// blockText is the text of one element as paragraphs joined by "\n\n".
func blockText(n *html.Node, skip map[*html.Node]bool) string {
	return strings.Join(collectParagraphs(n, skip, nil), "\n\n")
}

// filterParagraphs drops furniture lines left in the text: "À lire aussi"
// lines, bylines, date lines, paywall phrases, and a repeat of the lead.
func (p *page) filterParagraphs(paras []string, lead string) []string {
	out := paras[:0]
	for i, t := range paras {
		n := utf8.RuneCountInString(t)
		if n <= 160 && isFurnitureLine(t) {
			continue
		}
		if n <= 80 && reBylineLine.MatchString(t) {
			continue
		}
		if n <= 120 && hasDigitPair(t) && countLetters(t) < 90 && (rePublishedLabel.MatchString(t) || reModifiedLabel.MatchString(t)) && len(findDates(t, p.opt.Location, 1)) > 0 {
			continue
		}
		if n <= 300 && mayBePaywallPhrase(t) && rePaywallPhrase.MatchString(t) {
			p.paywallHint = true
			continue
		}
		if i < 3 && lead != "" && t == lead {
			continue
		}
		out = append(out, t)
	}
	return out
}

// Lead (chapô) vocabulary in classes and ids.
var leadWords = []string{
	"chapo", "chapeau", "standfirst", "stand-first", "lede", "lead", "intro", "excerpt", "deck",
	"dek", "accroche", "abstract", "article__desc", "article-desc", "article_desc", "summary",
	"subtitle", "sub-title", "subheadline", "sub-headline", "strapline", "headline-sub", "resume",
	"description",
}

// findLead returns the element holding the standfirst, or nil.
func (p *page) findLead() *html.Node {
	var found *html.Node
	walk(p.body, func(n *html.Node) bool {
		if found != nil {
			return false
		}
		if isJunkTag(n) || n.DataAtom == atom.A || n.DataAtom == atom.Li || n.DataAtom == atom.Ul {
			return false
		}
		if isBoilerplateNode(n) && n.DataAtom != atom.Header {
			return false
		}
		switch n.DataAtom {
		case atom.P, atom.Div, atom.H2, atom.H3, atom.Span, atom.Strong, atom.Section:
		default:
			return true
		}
		ip := attr(n, "itemprop")
		cls := classOf(n)
		isLead := ip == "description" || ip == "alternativeHeadline"
		if !isLead && cls != "" {
			for _, w := range leadWords {
				if strings.Contains(cls, w) && !strings.Contains(cls, "leader") && !strings.Contains(cls, "leading") && !strings.Contains(cls, "lead-image") && !strings.Contains(cls, "leadimage") {
					isLead = true
					break
				}
			}
		}
		if !isLead {
			return true
		}
		t := textOf(n)
		letters := countLetters(t)
		if letters < 30 || letters > 1200 || linkDensity(n) > 0.3 || inLinkList(n) {
			return true
		}
		// A lead is one block of text, not a container of the article.
		if hasParagraphsMoreThan(n, 2) {
			return true
		}
		found = n
		return false
	})
	return found
}

// hasParagraphsMoreThan reports whether n has more than k <p> elements.
func hasParagraphsMoreThan(n *html.Node, k int) bool {
	count := 0
	walk(n, func(c *html.Node) bool {
		if count > k {
			return false
		}
		if c.DataAtom == atom.P {
			count++
			return false
		}
		return true
	})
	return count > k
}

// hasOwnText reports whether n has a text child that is not blank.
func hasOwnText(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode && !isBlank(c.Data) {
			return true
		}
	}
	return false
}
