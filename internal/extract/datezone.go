package extract

import (
	"time"

	"golang.org/x/net/html/atom"
)

// The day of a publication date is the outlet's local day. A timestamp
// written in UTC ("2024-03-05T02:10:42Z") names an instant, not the day the
// outlet printed it on: an American evening story is already "tomorrow" in
// UTC. The page usually says which zone it lives in somewhere else: another
// of its timestamps written with an offset (a <time datetime> of the byline,
// a meta tag, dateModified), or the same instant written as local wall-clock
// time without a zone (a sailthru.date of "2024-03-04 21:10:42" beside
// "2024-03-05T05:10:42Z"). pageZone reads those; a UTC instant is then shown
// in that zone. The instant never changes, only the zone it is expressed in.

// maxZoneStrings bounds the date strings pageZone looks at.
const maxZoneStrings = 48

// pageZone returns the zone the page writes its dates in, given ref, an
// instant the page wrote in UTC. ok is false when the page does not tell.
func (p *page) pageZone(ref time.Time) (*time.Location, bool) {
	loc := p.opt.Location
	type offCount struct{ off, n int }
	var offs []offCount
	var local []foundDate // dates with a time of day but no zone
	n := 0
	consider := func(s string) {
		if s == "" || n >= maxZoneStrings {
			return
		}
		n++
		d, ok := findDate(s, loc)
		if !ok || !d.hasTime {
			return
		}
		if !d.zoned {
			local = append(local, d)
			return
		}
		_, off := d.t.Zone()
		if off == 0 {
			return
		}
		for i := range offs {
			if offs[i].off == off {
				offs[i].n++
				return
			}
		}
		offs = append(offs, offCount{off, 1})
	}
	for _, ld := range p.ld {
		consider(ld.datePublished)
		consider(ld.dateCreated)
		consider(ld.dateModified)
	}
	for _, k := range publishedMeta {
		consider(p.meta[k])
	}
	for _, k := range genericMeta {
		consider(p.meta[k])
	}
	for _, k := range modifiedMeta {
		consider(p.meta[k])
	}
	for _, t := range p.timeNodes {
		if v := attr(t, "datetime"); v != "" {
			consider(v)
		} else if t.DataAtom == atom.Meta {
			consider(attr(t, "content"))
		}
	}
	// The most frequent offset; the first seen on a tie.
	best := -1
	for i, o := range offs {
		if best < 0 || o.n > offs[best].n {
			best = i
		}
	}
	if best >= 0 {
		return time.FixedZone("", offs[best].off), true
	}
	// The same instant written as local time: its wall clock minus the UTC
	// one is the offset, when it is a whole number of quarter hours within
	// the world's range and the clock is precise enough not to agree by
	// chance (minutes or seconds other than zero).
	u := ref.UTC()
	for _, d := range local {
		w := d.t
		if w.Minute() == 0 && w.Second() == 0 {
			continue
		}
		wall := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
		diff := wall.Sub(u)
		if diff == 0 || diff%(15*time.Minute) != 0 || diff < -12*time.Hour || diff > 14*time.Hour {
			continue
		}
		return time.FixedZone("", int(diff/time.Second)), true
	}
	return nil, false
}

// isUTC reports whether t is expressed in UTC (a zone of offset zero).
func isUTC(t time.Time) bool {
	_, off := t.Zone()
	return off == 0
}
