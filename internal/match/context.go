package match

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// urlReach bounds the look-around of inURL, and relatedLine's search for
// the start of the line: a "Lire aussi" link is a short line.
const urlReach = 300

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
	// Look at most urlReach bytes each way: longer runs without a space
	// are not prose, and the bound keeps the check linear.
	l := start
	for l > 0 && l > start-urlReach {
		r, size := utf8.DecodeLastRuneInString(text[:l])
		if unicode.IsSpace(r) {
			break
		}
		l -= size
	}
	h := end
	for h < len(text) && h < end+urlReach {
		r, size := utf8.DecodeRuneInString(text[h:])
		if unicode.IsSpace(r) {
			break
		}
		h += size
	}
	raw := strings.Trim(text[l:h], ".,;:!?()[]«»\"'’“”<>")
	if !strings.ContainsAny(raw, ".@/") {
		return false
	}
	chunk := strings.ToLower(raw)
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
	from := max(0, i-urlReach)
	nl := strings.LastIndexByte(text[from:i], '\n')
	if nl < 0 && from > 0 {
		return false // the line started long before: not a link line
	}
	ls := from + nl + 1
	// Markers start with a, à, l, v, s, n, d (after spaces or a bullet).
	j := ls
	for j < i && (text[j] == ' ' || text[j] == '\t' || text[j] == '-' || text[j] == '>' || text[j] == '*') {
		j++
	}
	if j < i {
		switch text[j] | 0x20 {
		case 'a', 'l', 'v', 's', 'n', 'd', 0xe2, 0xe3: // 0xc3|0x20: "À"; 0xe2: a bullet "•"
		default:
			return false
		}
	}
	// Fold the line's first words into a small buffer, without allocating.
	var buf [48]byte
	n := 0
	space := false
	for j := ls; j < i && n < len(buf)-4; {
		r, size := utf8.DecodeRuneInString(text[j:])
		j += size
		var info runeInfo
		if r < utf8.RuneSelf {
			info = runeInfo{class: asciiClass[r]}
			if info.class == clLetter || info.class == clDigit {
				if n > 0 && space {
					buf[n] = ' '
					n++
				}
				buf[n] = asciiFold[r]
				n++
				space = false
				continue
			}
		} else {
			info = runeInfoOf(r)
			if info.class == clLetter || info.class == clDigit {
				if n > 0 && space {
					buf[n] = ' '
					n++
				}
				n += copy(buf[n:len(buf)-1], info.fold)
				space = false
				continue
			}
		}
		if info.class != clIgnore {
			space = true
		}
	}
	head := buf[:n]
	for _, m := range relatedMarkers {
		if len(head) >= len(m) && string(head[:len(m)]) == m && (len(head) == len(m) || head[len(m)] == ' ') {
			return true
		}
	}
	return false
}
