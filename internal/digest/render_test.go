package digest

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/config"
)

var everything = config.Recipient{Email: "communication@cner.test", Name: "Service communication"}

func seedAll(h *harness, firstSeen time.Time) {
	for _, slug := range []string{"cner-presidence", "aderly-investisseurs", "devco-occitanie", "sans-rapport", "titre-piege", "archive-2023"} {
		h.seed(slug, firstSeen)
	}
}

// TestPreviewContent checks what a digest says: totals, groups in order,
// the repeat of a clipping under a second entity, bold matches, links,
// escaping of what the press wrote, a late find, both MIME parts.
func TestPreviewContent(t *testing.T) {
	h := newHarness(t, everything)
	seedAll(h, at(2025, 3, 13, 20, 0))
	h.clock.Set(at(2025, 3, 14, 8, 0))
	s := h.service(Options{})
	previews, err := s.Preview(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(previews) != 1 {
		t.Fatalf("%d previews, want 1", len(previews))
	}
	p := previews[0]
	d := p.Digest

	// The article without mention is no clipping; the others are.
	if d.Total != 5 || d.National != 2 {
		t.Errorf("total %d, national %d; want 5 and 2", d.Total, d.National)
	}
	var groups []string
	for _, g := range d.Groups {
		groups = append(groups, g.EntityID)
	}
	want := []string{"cner", "devco", "jalil-benabdillah", "ad-occ", "aderly", "lorr-up"}
	if strings.Join(groups, " ") != strings.Join(want, " ") {
		t.Errorf("groups %v, want %v", groups, want)
	}
	cner := d.Groups[0]
	if len(cner.Items) != 3 {
		t.Fatalf("CNER group has %d items, want 3", len(cner.Items))
	}
	// Newest first: 13 March 09:30, 12 March, then 2023.
	if cner.Items[0].ID != h.ids["cner-presidence"] || cner.Items[1].ID != h.ids["devco-occitanie"] || cner.Items[2].ID != h.ids["archive-2023"] {
		t.Errorf("CNER items not newest first: %s", h.slugs([]int64{cner.Items[0].ID, cner.Items[1].ID, cner.Items[2].ID}))
	}
	if !cner.Items[2].Late {
		t.Errorf("the 2023 article found in 2025 is not marked as found late")
	}
	jalil := d.Groups[2]
	if len(jalil.Items) != 1 || !jalil.Items[0].Repeat || jalil.Items[0].SeenIn != "CNER" {
		t.Errorf("the clipping listed under CNER is not shown in short under Jalil Benabdillah: %+v", jalil.Items)
	}

	txt, html := p.Rendered.Text, p.Rendered.HTML
	for _, want := range []string{
		"5 nouvelles retombées, dont 2 dans la presse nationale",
		"presse nationale : 2 · presse régionale : 2 · presse professionnelle : 1",
		"== CNER (fédération · 3) ==",
		"Les Échos (presse nationale) · publié le 13 mars 2025",
		"Par Anne Martin et Paul Durand",
		"*CNER*",
		"publié le 1er juin 2023, trouvé le 13 mars 2025",
		"déjà citée plus haut, sous « CNER »",
		"Article : https://lesechos.test/cner-presidence",
		"Dans veille : http://veille.test/clippings/",
		`<script>alert("x")</script> Lorr'Up & ses « partenaires »`,
		"Trouvées depuis le jeudi 13 mars 2025 à 8 h 00.",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("text part lacks %q", want)
		}
	}
	for _, want := range []string{
		`<html lang="fr">`,
		`name="viewport"`,
		"5 nouvelles retombées, dont 2 dans la presse nationale",
		`<a href="https://lesechos.test/cner-presidence"`,
		`>CNER</strong>`,
		`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Lorr&#39;Up &amp; ses « partenaires »`,
		`&lt;b&gt;Rédaction&lt;/b&gt;`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>", "<img src=x", "<b>Rédaction"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML part carries the press's markup %q unescaped", bad)
		}
	}
	if strings.Contains(html, "<style") || strings.Contains(html, "<link") {
		t.Errorf("HTML part relies on a style sheet; email clients want inline CSS")
	}
	if got, want := listed(html), h.idsOf("cner-presidence", "aderly-investisseurs", "devco-occitanie", "titre-piege", "archive-2023"); !equalIDs(got, want) {
		t.Errorf("HTML links to clippings %s, want %s", h.slugs(got), h.slugs(want))
	}

	// The message parses as multipart/alternative with both parts, UTF-8.
	msg, err := mail.ReadMessage(bytes.NewReader(p.Message))
	if err != nil {
		t.Fatal(err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subj != "Veille CNER : 5 nouvelles retombées (2 nationales) – vendredi 14 mars 2025" {
		t.Errorf("subject %q (%v)", subj, err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q (%v)", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(part)
		types = append(types, part.Header.Get("Content-Type"))
		want := txt
		if strings.HasPrefix(part.Header.Get("Content-Type"), "text/html") {
			want = html
		}
		if strings.ReplaceAll(string(body), "\r\n", "\n") != want {
			t.Errorf("%s part does not decode to what was rendered", part.Header.Get("Content-Type"))
		}
	}
	if strings.Join(types, ", ") != "text/plain; charset=utf-8, text/html; charset=utf-8" {
		t.Errorf("parts %v", types)
	}
	if out := os.Getenv("VEILLE_DIGEST_SAMPLE"); out != "" {
		os.WriteFile(filepath.Join(out, "digest.html"), []byte(html), 0o644)
		os.WriteFile(filepath.Join(out, "digest.txt"), []byte(txt), 0o644)
	}
}

// TestFiltersOfMemberRecipient: a member agency's recipient gets only its
// own clippings, in its group, and a scope filter narrows further.
func TestFiltersOfMemberRecipient(t *testing.T) {
	aderly := config.Recipient{Email: "direction@aderly.test", Name: "Aderly", Entities: []string{"aderly"}}
	nationalPersons := config.Recipient{Email: "presse@cner.test", Kinds: []string{"person", "federation"}, Scopes: []string{"national"}}
	h := newHarness(t, aderly, nationalPersons)
	seedAll(h, at(2025, 3, 13, 20, 0))
	h.clock.Set(at(2025, 3, 14, 8, 0))
	s := h.service(Options{})
	previews, err := s.Preview(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]int64{}
	for _, p := range previews {
		var ids []int64
		seen := map[int64]bool{}
		for _, g := range p.Digest.Groups {
			if p.Recipient.Email == aderly.Email && g.EntityID != "aderly" {
				t.Errorf("Aderly's digest has a group %q", g.EntityID)
			}
			for _, it := range g.Items {
				if !seen[it.ID] {
					seen[it.ID] = true
					ids = append(ids, it.ID)
				}
			}
		}
		got[p.Recipient.Email] = ids
	}
	if want := h.idsOf("aderly-investisseurs"); !equalIDs(got[aderly.Email], want) {
		t.Errorf("Aderly gets %s, want %s", h.slugs(got[aderly.Email]), h.slugs(want))
	}
	// National press only, federation and persons: the two Échos articles.
	ids := got[nationalPersons.Email]
	if want := h.idsOf("cner-presidence", "archive-2023"); len(ids) != 2 || !equalIDs(sortedIDs(ids), want) {
		t.Errorf("national/persons recipient gets %s, want %s", h.slugs(ids), h.slugs(want))
	}
	if _, err := s.Preview(context.Background(), "inconnu@example.org"); err == nil {
		t.Errorf("preview for an unknown recipient: no error")
	}
}

func sortedIDs(ids []int64) []int64 {
	out := append([]int64(nil), ids...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestTotalsSentence(t *testing.T) {
	for _, c := range []struct {
		total, national int
		want            string
	}{
		{0, 0, "Aucune nouvelle retombée"},
		{1, 0, "1 nouvelle retombée"},
		{1, 1, "1 nouvelle retombée, dans la presse nationale"},
		{4, 4, "4 nouvelles retombées, toutes dans la presse nationale"},
		{7, 3, "7 nouvelles retombées, dont 3 dans la presse nationale"},
		{7, 1, "7 nouvelles retombées, dont 1 dans la presse nationale"},
	} {
		if got := totalsSentence(c.total, c.national); got != c.want {
			t.Errorf("totalsSentence(%d, %d) = %q, want %q", c.total, c.national, got, c.want)
		}
	}
}
