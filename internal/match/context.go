package match

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// urlTLDs are the top-level domains that make "cner.lu" or
// "investinreims.com" an address rather than words.
var urlTLDs = map[string]bool{
	"com": true, "fr": true, "org": true, "net": true, "eu": true, "lu": true, "be": true, "ch": true,
	"io": true, "info": true, "gouv": true, "bzh": true, "paris": true, "co": true, "uk": true, "ca": true,
	"biz": true, "alsace": true, "corsica": true, "html": true, "php": true, "htm": true, "aspx": true,
}

// inURL reports whether text[start:end] lies in a web address or an
// e-mail address ("www.cner-france.com", "contact@cner.lu", "cner.lu").
func inURL(text string, start, end int) bool {
	l := start
	for l > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:l])
		if unicode.IsSpace(r) {
			break
		}
		l -= size
	}
	h := end
	for h < len(text) {
		r, size := utf8.DecodeRuneInString(text[h:])
		if unicode.IsSpace(r) {
			break
		}
		h += size
	}
	chunk := strings.ToLower(strings.Trim(text[l:h], ".,;:!?()[]«»\"'’“”<>"))
	if strings.Contains(chunk, "://") || strings.HasPrefix(chunk, "www.") {
		return true
	}
	if at := strings.IndexByte(chunk, '@'); at > 0 && strings.Contains(chunk[at:], ".") {
		return true
	}
	host := chunk
	if i := strings.IndexByte(host, '/'); i >= 0 {
		host = host[:i]
	}
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || dot == len(host)-1 {
		return false
	}
	return urlTLDs[host[dot+1:]]
}

// relatedMarkers open a line that links to other articles ("Lire aussi :
// …"): what they name is not a mention of the article.
var relatedMarkers = []string{
	"lire aussi", "a lire aussi", "lire egalement", "a lire egalement", "voir aussi", "a voir aussi",
	"sur le meme sujet", "sur le meme theme", "article lie", "articles lies", "a decouvrir aussi",
	"nos articles", "dans la meme rubrique", "les plus lus",
}

// relatedLine reports whether the line holding offset i is a link to
// another article.
func relatedLine(text string, i int) bool {
	ls := strings.LastIndexByte(text[:i], '\n') + 1
	head := text[ls:i]
	if len(head) > 120 {
		head = head[:120]
	}
	f := Fold(head)
	for _, m := range relatedMarkers {
		if strings.HasPrefix(f, m) && (len(f) == len(m) || f[len(m)] == ' ') {
			return true
		}
	}
	return false
}
