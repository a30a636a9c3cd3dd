// Package charset turns fetched bytes into UTF-8 text. The encoding is taken,
// in order of trust, from a byte-order mark, the Content-Type header, an XML
// declaration or <meta charset>, and finally from the bytes themselves
// (valid UTF-8 stays UTF-8; anything else is read as Windows-1252, the
// superset of ISO-8859-1 that French pages mislabelled as Latin-1 use).
package charset

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffLen is how far into a document a declaration is looked for.
const sniffLen = 2048

var (
	metaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)`)
	xmlEncoding = regexp.MustCompile(`(?i)^\s*<\?xml[^>]*encoding\s*=\s*["']([a-zA-Z0-9_:.\-]+)["']`)
)

// Lookup returns the encoding of a label ("latin1", "windows-1252", "utf-8").
func Lookup(label string) (encoding.Encoding, string, bool) {
	label = strings.ToLower(strings.TrimSpace(label))
	if label == "" {
		return nil, "", false
	}
	e, err := htmlindex.Get(label)
	if err != nil {
		e, name := charset.Lookup(label)
		return e, name, e != nil
	}
	name, _ := htmlindex.Name(e)
	// The WHATWG maps ISO-8859-1 to Windows-1252: so do we, since French
	// pages labelled Latin-1 routinely carry ’ « » from Windows-1252.
	return e, name, true
}

// Detect returns the encoding name for body given an optional Content-Type.
func Detect(body []byte, contentType string) string {
	_, name := detect(body, contentType)
	return name
}

func detect(body []byte, contentType string) (encoding.Encoding, string) {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return unicode.UTF8BOM, "utf-8"
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be"
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le"
	}
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			if e, name, ok := Lookup(params["charset"]); ok {
				if name == "utf-8" && !utf8.Valid(body) {
					return charmap.Windows1252, "windows-1252"
				}
				return e, name
			}
		}
	}
	head := body
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	if m := xmlEncoding.FindSubmatch(head); m != nil {
		if e, name, ok := Lookup(string(m[1])); ok {
			return e, name
		}
	}
	if m := metaCharset.FindSubmatch(head); m != nil {
		if e, name, ok := Lookup(string(m[1])); ok {
			// A page that claims UTF-8 but is not is really Windows-1252.
			if name == "utf-8" && !utf8.Valid(body) {
				return charmap.Windows1252, "windows-1252"
			}
			return e, name
		}
	}
	if utf8.Valid(body) {
		return encoding.Nop, "utf-8"
	}
	return charmap.Windows1252, "windows-1252"
}

// ToUTF8 decodes body to UTF-8. The result never carries a byte-order mark.
// Invalid sequences become U+FFFD rather than failing.
func ToUTF8(body []byte, contentType string) ([]byte, string, error) {
	enc, name := detect(body, contentType)
	if name == "utf-8" {
		body = bytes.TrimPrefix(body, []byte{0xEF, 0xBB, 0xBF})
		if utf8.Valid(body) {
			return body, name, nil
		}
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), name, nil
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), body)
	if err != nil {
		return nil, name, fmt.Errorf("charset: decoding %s: %w", name, err)
	}
	return out, name, nil
}
