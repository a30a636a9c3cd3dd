package extract

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// ldNode is what Extract reads from one JSON-LD object.
type ldNode struct {
	types         []string
	headline      string
	description   string
	datePublished string
	dateCreated   string
	dateModified  string
	authors       []string
	publisher     string
	inLanguage    string
	url           string
	// free is "false" when isAccessibleForFree says so (on the object or a
	// part of it), "true" when it says so, "" when it says nothing.
	free string
	// coverageStart is a live blog's coverageStartTime.
	coverageStart string
	// articleBody is the article's text when the JSON-LD carries it.
	articleBody string
}

// articleTypes are the schema.org types of an article (the node that holds
// the publication date).
var articleTypes = map[string]bool{
	"article": true, "newsarticle": true, "reportagenewsarticle": true, "analysisnewsarticle": true,
	"opinionnewsarticle": true, "reviewnewsarticle": true, "backgroundnewsarticle": true,
	"askpublicnewsarticle": true, "blogposting": true, "liveblogposting": true, "socialmediaposting": true,
	"techarticle": true, "scholarlyarticle": true, "report": true, "satiricalarticle": true,
	"posting": true, "creativework": true, "advertisercontentarticle": true, "medicalscholarlyarticle": true,
	"discussionforumposting": true, "review": true,
}

func (n *ldNode) isArticle() bool {
	for _, t := range n.types {
		if articleTypes[t] {
			return true
		}
	}
	return false
}

func (n *ldNode) isType(t string) bool {
	for _, x := range n.types {
		if x == t {
			return true
		}
	}
	return false
}

var (
	reCDATA = regexp.MustCompile(`^\s*(?:<!--|<!\[CDATA\[)|(?:\]\]>|-->)\s*$`)
	// When JSON-LD does not decode, its dates can still be read.
	reLDDate = regexp.MustCompile(`"(datePublished|dateCreated|dateModified)"\s*:\s*"([^"]{6,40})"`)
)

// readJSONLD decodes every <script type="application/ld+json"> of the
// document and returns the objects found, in document order, flattening
// @graph and arrays.
func readJSONLD(scripts []*html.Node) []*ldNode {
	var out []*ldNode
	for _, s := range scripts {
		if s.FirstChild == nil {
			continue
		}
		raw := strings.TrimSpace(reCDATA.ReplaceAllString(s.FirstChild.Data, ""))
		if raw == "" {
			continue
		}
		var v any
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			// Raw control characters in strings are the usual fault.
			fixed := bytes.Map(func(r rune) rune {
				if r < 0x20 {
					return ' '
				}
				return r
			}, []byte(raw))
			if err := json.Unmarshal(fixed, &v); err != nil {
				out = append(out, salvageLD(raw))
				continue
			}
		}
		collectLD(v, &out, 0)
	}
	return out
}

// salvageLD reads the dates of a JSON-LD block that does not decode.
func salvageLD(raw string) *ldNode {
	n := &ldNode{types: []string{"article"}}
	for _, m := range reLDDate.FindAllStringSubmatch(raw, -1) {
		switch m[1] {
		case "datePublished":
			if n.datePublished == "" {
				n.datePublished = m[2]
			}
		case "dateCreated":
			if n.dateCreated == "" {
				n.dateCreated = m[2]
			}
		case "dateModified":
			if n.dateModified == "" {
				n.dateModified = m[2]
			}
		}
	}
	return n
}

func collectLD(v any, out *[]*ldNode, depth int) {
	if depth > 8 {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			collectLD(e, out, depth+1)
		}
	case map[string]any:
		if g, ok := x["@graph"]; ok {
			collectLD(g, out, depth+1)
		}
		n := &ldNode{}
		n.types = ldTypes(x["@type"])
		if len(n.types) == 0 {
			return
		}
		n.headline = firstString(x["headline"])
		if n.headline == "" {
			n.headline = firstString(x["name"])
		}
		n.description = firstString(x["description"])
		n.datePublished = firstString(x["datePublished"])
		n.dateCreated = firstString(x["dateCreated"])
		n.dateModified = firstString(x["dateModified"])
		n.coverageStart = firstString(x["coverageStartTime"])
		n.articleBody = firstString(x["articleBody"])
		n.authors = ldNames(x["author"])
		if len(n.authors) == 0 {
			n.authors = ldNames(x["creator"])
		}
		if p := ldNames(x["publisher"]); len(p) > 0 {
			n.publisher = p[0]
		}
		n.inLanguage = firstString(x["inLanguage"])
		n.url = firstString(x["url"])
		if n.url == "" {
			if m, ok := x["mainEntityOfPage"].(map[string]any); ok {
				n.url = firstString(m["@id"])
			} else {
				n.url = firstString(x["mainEntityOfPage"])
			}
		}
		n.free = boolString(x["isAccessibleForFree"])
		if n.free == "" {
			if parts, ok := x["hasPart"]; ok {
				for _, p := range asSlice(parts) {
					if m, ok := p.(map[string]any); ok && boolString(m["isAccessibleForFree"]) == "false" {
						n.free = "false"
					}
				}
			}
		}
		*out = append(*out, n)
		// An article may nest under mainEntity (WebPage → NewsArticle).
		if me, ok := x["mainEntity"]; ok {
			collectLD(me, out, depth+1)
		}
	}
}

func ldTypes(v any) []string {
	var out []string
	for _, t := range asSlice(v) {
		if s, ok := t.(string); ok {
			s = strings.ToLower(strings.TrimSpace(s))
			s = strings.TrimPrefix(strings.TrimPrefix(s, "http://schema.org/"), "https://schema.org/")
			s = strings.TrimPrefix(s, "schema:")
			out = append(out, s)
		}
	}
	return out
}

func asSlice(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func firstString(v any) string {
	for _, e := range asSlice(v) {
		switch s := e.(type) {
		case string:
			if t := strings.TrimSpace(s); t != "" {
				return t
			}
		case json.Number:
			return s.String()
		case map[string]any:
			if t := firstString(s["@value"]); t != "" {
				return t
			}
		}
	}
	return ""
}

func boolString(v any) string {
	switch b := v.(type) {
	case bool:
		if b {
			return "true"
		}
		return "false"
	case string:
		switch strings.ToLower(strings.TrimSpace(b)) {
		case "false", "no", "0":
			return "false"
		case "true", "yes", "1":
			return "true"
		}
	}
	return ""
}

// ldNames reads names from an author/publisher value: a string, an object
// with a name, or a list of them.
func ldNames(v any) []string {
	var out []string
	for _, e := range asSlice(v) {
		switch x := e.(type) {
		case string:
			if s := strings.TrimSpace(x); s != "" && !strings.HasPrefix(s, "http") {
				out = append(out, s)
			}
		case map[string]any:
			name := firstString(x["name"])
			if name == "" {
				given, family := firstString(x["givenName"]), firstString(x["familyName"])
				name = strings.TrimSpace(given + " " + family)
			}
			if name != "" {
				out = append(out, name)
			}
		}
	}
	return out
}
