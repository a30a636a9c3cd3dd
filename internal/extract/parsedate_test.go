package extract

import (
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseDate(t *testing.T) {
	paris := paris()
	utc := time.UTC
	cases := []struct {
		in   string
		want time.Time
	}{
		{"2019-09-26", time.Date(2019, 9, 26, 0, 0, 0, 0, paris)},
		{"2019-09-26T10:15:00+02:00", time.Date(2019, 9, 26, 8, 15, 0, 0, utc)},
		{"2019-09-26T08:15:00Z", time.Date(2019, 9, 26, 8, 15, 0, 0, utc)},
		{"2019-09-26 10:15", time.Date(2019, 9, 26, 10, 15, 0, 0, paris)},
		{"Thu, 26 Sep 2019 10:15:00 +0200", time.Date(2019, 9, 26, 8, 15, 0, 0, utc)},
		{"Thu, 26 Sep 2019 08:15:00 GMT", time.Date(2019, 9, 26, 8, 15, 0, 0, utc)},
		{"Publié le 26/09/2019 à 10h15", time.Date(2019, 9, 26, 10, 15, 0, 0, paris)},
		{"Publié le 26/09/2019 à 10h", time.Date(2019, 9, 26, 10, 0, 0, 0, paris)},
		{"le 26.09.2019", time.Date(2019, 9, 26, 0, 0, 0, 0, paris)},
		{"26-09-19", time.Date(2019, 9, 26, 0, 0, 0, 0, paris)},
		{"12 janvier 2021", time.Date(2021, 1, 12, 0, 0, 0, 0, paris)},
		{"mardi 1er février 2022 à 18:30", time.Date(2022, 2, 1, 18, 30, 0, 0, paris)},
		{"mis à jour le 3 août 2020", time.Date(2020, 8, 3, 0, 0, 0, 0, paris)},
		{"12 déc. 2019", time.Date(2019, 12, 12, 0, 0, 0, 0, paris)},
		{"January 12, 2021", time.Date(2021, 1, 12, 0, 0, 0, 0, paris)},
		{"Sep 3rd, 2018 at 3:05 pm", time.Date(2018, 9, 3, 15, 5, 0, 0, paris)},
		{"12. Januar 2021", time.Date(2021, 1, 12, 0, 0, 0, 0, paris)},
		{"20190926", time.Date(2019, 9, 26, 0, 0, 0, 0, paris)},
		{"2019/09/26", time.Date(2019, 9, 26, 0, 0, 0, 0, paris)},
		{"09/26/2019", time.Date(2019, 9, 26, 0, 0, 0, 0, paris)}, // month first when the day tells
	}
	for _, c := range cases {
		got, ok := ParseDate(c.in, nil)
		if !ok || !got.Equal(c.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", c.in, got, ok, c.want)
		}
	}
	for _, bad := range []string{"", "pas de date", "31/02/2020", "le 45/13/2019", "version 1.2.3.45", "1994-05-01", "page 2020", "30 févr 2021"} {
		if got, ok := ParseDate(bad, nil); ok {
			t.Errorf("ParseDate(%q) = %v, want none", bad, got)
		}
	}
	// The zone of a date without one is the caller's.
	ny, err := time.LoadLocation("America/New_York")
	if err == nil {
		got, _ := ParseDate("26/09/2019 à 10h15", ny)
		if !got.Equal(time.Date(2019, 9, 26, 10, 15, 0, 0, ny)) {
			t.Errorf("in New York: %v", got)
		}
	}
}

func TestURLDate(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.ouest-france.fr/economie/2019/09/26/agence": "2019-09-26",
		"https://www.exemple.fr/2017/7/12/titre":                 "2017-07-12",
		"https://www.exemple.fr/actu/20210112-forum.html":        "2021-01-12",
		"https://www.exemple.fr/actu/forum-dev-co":               "",
	} {
		got, ok := urlDate(in, paris())
		s := ""
		if ok {
			s = got.Format(time.DateOnly)
		}
		if s != want {
			t.Errorf("urlDate(%q) = %q, want %q", in, s, want)
		}
	}
}

func TestAlignToDay(t *testing.T) {
	// 03:28 UTC on the 9th is the evening of the 8th west of Greenwich.
	got := alignToDay(time.Date(2023, 11, 9, 3, 28, 0, 0, time.UTC), time.Date(2023, 11, 8, 0, 0, 0, 0, time.UTC))
	if got.Format(time.DateOnly) != "2023-11-08" || !got.Equal(time.Date(2023, 11, 9, 3, 28, 0, 0, time.UTC)) {
		t.Errorf("alignToDay = %v", got)
	}
}

// FuzzParseDate checks that date parsing never panics, returns only
// plausible dates, and finds a date again in its own RFC 3339 rendering.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"Publié le 26/09/2019 à 10h15", "12 janvier 2021", "2019-09-26T10:15:00+02:00",
		"Thu, 26 Sep 2019 10:15:00 +0200", "1er mars 2020 à 8h", "26.09.19", "March 3rd, 2018 at 12:30 am",
		"2020-02-30", "99/99/9999", "le 26 - 09 - 2019 - 10:15 UTC+14:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		d, ok := ParseDate(s, nil)
		if !ok {
			return
		}
		if y := d.Year(); y < 1994 || y > 2101 {
			t.Fatalf("ParseDate(%q) = %v: implausible year", s, d)
		}
		again, ok := ParseDate(d.Format(time.RFC3339), nil)
		if !ok || !again.Equal(d) {
			t.Fatalf("ParseDate(%q) = %v; its RFC 3339 form reads %v, %v", s, d, again, ok)
		}
	})
}
