// Package model holds the clipping model shared by every layer of veille:
// what extraction yields (Article), what matching yields (Mention) and what
// the store keeps (Clipping). It imports nothing of ours.
package model

import (
	"strings"
	"time"
)

// Scope classifies an outlet: the activity report counts mentions per scope.
type Scope string

// The outlet scopes.
const (
	ScopeNational      Scope = "national"
	ScopeRegional      Scope = "regional"
	ScopeTrade         Scope = "trade"
	ScopeInternational Scope = "international"
	ScopeInstitutional Scope = "institutional"
)

// Scopes lists every valid scope, in display order.
func Scopes() []Scope {
	return []Scope{ScopeNational, ScopeRegional, ScopeTrade, ScopeInternational, ScopeInstitutional}
}

// Valid reports whether s is one of Scopes.
func (s Scope) Valid() bool {
	for _, v := range Scopes() {
		if s == v {
			return true
		}
	}
	return false
}

// Label is the French phrase used in sentences: "dans la presse nationale".
func (s Scope) Label() string {
	switch s {
	case ScopeNational:
		return "presse nationale"
	case ScopeRegional:
		return "presse régionale"
	case ScopeTrade:
		return "presse professionnelle"
	case ScopeInternational:
		return "presse internationale"
	case ScopeInstitutional:
		return "médias institutionnels"
	}
	return "presse"
}

// EntityKind classifies a watched entity.
type EntityKind string

// The entity kinds.
const (
	KindFederation EntityKind = "federation"
	KindMember     EntityKind = "member"
	KindBrand      EntityKind = "brand"
	KindEvent      EntityKind = "event"
	KindPerson     EntityKind = "person"
)

// EntityKinds lists every valid kind, in the order digests group them.
func EntityKinds() []EntityKind {
	return []EntityKind{KindFederation, KindEvent, KindBrand, KindPerson, KindMember}
}

// Label is the French name of the kind, as a group: "agences membres".
func (k EntityKind) Label() string {
	switch k {
	case KindFederation:
		return "fédération"
	case KindMember:
		return "agences membres"
	case KindBrand:
		return "marques"
	case KindEvent:
		return "événements"
	case KindPerson:
		return "personnes"
	}
	return ""
}

// Valid reports whether k is one of EntityKinds.
func (k EntityKind) Valid() bool {
	for _, v := range EntityKinds() {
		if k == v {
			return true
		}
	}
	return false
}

// Article is what extraction makes of one fetched page.
type Article struct {
	URL          string    `json:"url"`           // the URL the page was fetched from
	CanonicalURL string    `json:"canonical_url"` // rel=canonical / og:url, resolved; empty if none
	Title        string    `json:"title"`
	Description  string    `json:"description,omitempty"` // meta description or the feed's summary
	Lead         string    `json:"lead,omitempty"`        // the standfirst (chapô), when told apart from the body
	Text         string    `json:"text"`                  // main text, paragraphs separated by "\n\n"
	Authors      []string  `json:"authors"`
	SiteName     string    `json:"site_name,omitempty"`
	Lang         string    `json:"lang,omitempty"` // ISO 639-1, e.g. "fr"
	Published    time.Time `json:"published"`      // zero when unknown
	Modified     time.Time `json:"modified,omitempty"`
	DateSource   string    `json:"date_source,omitempty"` // where Published came from, e.g. "json-ld", "meta", "text"
	Paywalled    bool      `json:"paywalled,omitempty"`   // a teaser behind a paywall
}

// Field names where a mention can sit.
const (
	FieldTitle = "title"
	FieldLead  = "lead"
	FieldBody  = "body"
)

// Mention is one entity found in an article.
type Mention struct {
	EntityID   string     `json:"entity"`
	EntityKind EntityKind `json:"kind"`
	Alias      string     `json:"alias"`   // the alias of the watch list that matched
	Matched    string     `json:"matched"` // the words as the article writes them
	Field      string     `json:"field"`   // title, lead or body
	Start      int        `json:"start"`   // byte offsets of Matched in that field
	End        int        `json:"end"`
	Snippet    string     `json:"snippet"` // plain text around the match
	// HLStart and HLEnd are the byte offsets of the matched words in Snippet.
	HLStart int    `json:"hl_start"`
	HLEnd   int    `json:"hl_end"`
	Role    string `json:"role,omitempty"` // optional kind of mention: quoted, interviewed, organiser, passing
	Count   int    `json:"count"`          // how many times the entity is matched in the article
}

// SnippetMarked returns the snippet with the matched words between open and close.
func (m Mention) SnippetMarked(open, close string) string {
	if m.HLStart < 0 || m.HLEnd > len(m.Snippet) || m.HLStart >= m.HLEnd {
		return m.Snippet
	}
	var b strings.Builder
	b.Grow(len(m.Snippet) + len(open) + len(close))
	b.WriteString(m.Snippet[:m.HLStart])
	b.WriteString(open)
	b.WriteString(m.Snippet[m.HLStart:m.HLEnd])
	b.WriteString(close)
	b.WriteString(m.Snippet[m.HLEnd:])
	return b.String()
}

// Clipping is a stored article with at least one mention: the unit that
// digests list, search finds and counts add up.
type Clipping struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"` // canonical
	OutletID    string    `json:"outlet"`
	OutletName  string    `json:"outlet_name"`
	Scope       Scope     `json:"scope"` // the outlet's scope at publication time
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Authors     []string  `json:"authors"`
	Lang        string    `json:"lang,omitempty"`
	Published   time.Time `json:"published"`
	FirstSeen   time.Time `json:"first_seen"`
	Text        string    `json:"text,omitempty"`
	Paywalled   bool      `json:"paywalled,omitempty"`
	Excluded    bool      `json:"excluded,omitempty"` // removed by a user as a false positive
	Simhash     uint64    `json:"-"`
	Mentions    []Mention `json:"mentions"`
}

// Date is the clipping's date for counting: the publication time, or the
// first-seen time when the page gave none.
func (c *Clipping) Date() time.Time {
	if !c.Published.IsZero() {
		return c.Published
	}
	return c.FirstSeen
}

// EntityIDs returns the distinct entities mentioned, in order of first mention.
func (c *Clipping) EntityIDs() []string {
	seen := make(map[string]bool, len(c.Mentions))
	var ids []string
	for _, m := range c.Mentions {
		if !seen[m.EntityID] {
			seen[m.EntityID] = true
			ids = append(ids, m.EntityID)
		}
	}
	return ids
}

// EntityKindsMentioned returns the distinct kinds of the entities mentioned.
func (c *Clipping) EntityKindsMentioned() []string {
	seen := make(map[EntityKind]bool, 4)
	var kinds []string
	for _, m := range c.Mentions {
		if !seen[m.EntityKind] {
			seen[m.EntityKind] = true
			kinds = append(kinds, string(m.EntityKind))
		}
	}
	return kinds
}
