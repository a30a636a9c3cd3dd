package match

import (
	"fmt"
	"strings"

	"github.com/cner/veille/internal/model"
)

// CheckMention verifies that a mention's offsets and texts agree with the
// document: Matched is the field's text at Start:End, the snippet's
// highlight is the matched words (whitespace collapsed) and the count is
// positive. Tests and fuzzing use it; it is cheap enough for production
// assertions.
func CheckMention(d Doc, m model.Mention) error {
	var text string
	switch m.Field {
	case model.FieldTitle:
		text = d.Title
	case model.FieldLead:
		text = d.Lead
	case model.FieldBody:
		text = d.Body
	default:
		return fmt.Errorf("match: %s: unknown field %q", m.EntityID, m.Field)
	}
	if m.Start < 0 || m.End > len(text) || m.Start >= m.End {
		return fmt.Errorf("match: %s: offsets %d:%d outside the %s (%d bytes)", m.EntityID, m.Start, m.End, m.Field, len(text))
	}
	if text[m.Start:m.End] != m.Matched {
		return fmt.Errorf("match: %s: matched %q but the %s holds %q at %d:%d", m.EntityID, m.Matched, m.Field, text[m.Start:m.End], m.Start, m.End)
	}
	if m.HLStart < 0 || m.HLEnd > len(m.Snippet) || m.HLStart >= m.HLEnd {
		return fmt.Errorf("match: %s: highlight %d:%d outside the snippet (%d bytes)", m.EntityID, m.HLStart, m.HLEnd, len(m.Snippet))
	}
	if got, want := m.Snippet[m.HLStart:m.HLEnd], strings.Join(strings.Fields(m.Matched), " "); got != want && collapse(m.Matched) != got {
		return fmt.Errorf("match: %s: highlight %q, want %q", m.EntityID, got, want)
	}
	if m.Count < 1 {
		return fmt.Errorf("match: %s: count %d", m.EntityID, m.Count)
	}
	return nil
}

// collapse replaces runs of ASCII whitespace by one space, as snippets do.
func collapse(s string) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\n', '\r', '\t', '\f', '\v':
			space = true
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteByte(c)
		}
	}
	return b.String()
}
