package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// ValidationError lists every problem found, each naming its key.
type ValidationError struct {
	Source   string
	Problems []string
}

func (e *ValidationError) Error() string {
	src := ""
	if e.Source != "" {
		src = e.Source + ": "
	}
	if len(e.Problems) == 1 {
		return "config: " + src + e.Problems[0]
	}
	return fmt.Sprintf("config: %s%d problèmes :\n  %s", src, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Validate checks the whole configuration and reports every problem.
func (c *Config) Validate() error {
	v := &validator{}
	if strings.TrimSpace(c.DataDir) == "" {
		v.add("data_dir", "vide")
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		v.add("timezone", fmt.Sprintf("%q n'est pas un fuseau horaire (écrivez Europe/Paris)", c.Timezone))
	}
	v.entities("watch", c.Watch, true)
	v.entities("members_csv", c.Members, false)
	c.validateSharedAliases(v)
	c.validateOutlets(v)
	c.validateCrawler(v)
	c.validateDigest(v)
	c.validateWeb(v)
	if len(v.problems) > 0 {
		return &ValidationError{Source: c.Source, Problems: v.problems}
	}
	return nil
}

type validator struct{ problems []string }

func (v *validator) add(key, msg string) { v.problems = append(v.problems, key+": "+msg) }

func (v *validator) entities(section string, list []Entity, refining bool) {
	ids := map[string]int{}
	for i, e := range list {
		key := fmt.Sprintf("%s[%d]", section, i)
		if e.ID != "" {
			key = fmt.Sprintf("%s[%d] (%s)", section, i, e.ID)
		}
		switch {
		case e.ID == "":
			v.add(key+".id", "vide")
		case !idPattern.MatchString(e.ID):
			v.add(key+".id", fmt.Sprintf("%q doit être en minuscules, chiffres, - ou _", e.ID))
		}
		if j, dup := ids[e.ID]; dup && e.ID != "" {
			v.add(key+".id", fmt.Sprintf("%q est déjà utilisé par %s[%d]", e.ID, section, j))
		}
		ids[e.ID] = i
		// A watch entry may refine a member of the roster by id alone.
		if !refining || e.Kind != "" || e.Name != "" {
			if e.Name == "" && !refining {
				v.add(key+".name", "vide")
			}
			if !validKind(e.Kind) {
				v.add(key+".kind", fmt.Sprintf("%q n'est pas l'un de federation, member, brand, event, person", e.Kind))
			}
		}
		if len(e.Aliases) == 0 && e.Kind != "" {
			v.add(key+".aliases", "vide : donnez au moins une façon dont la presse l'écrit")
		}
		for j, a := range e.Aliases {
			akey := fmt.Sprintf("%s.aliases[%d]", key, j)
			if strings.TrimSpace(a.Text) == "" {
				v.add(akey, "vide")
			}
			if a.Window < 0 {
				v.add(akey+".window", "négatif")
			}
		}
		for j, x := range e.Exclude {
			if strings.TrimSpace(x) == "" {
				v.add(fmt.Sprintf("%s.exclude[%d]", key, j), "vide")
			}
		}
		if e.Window < 0 {
			v.add(key+".window", "négatif")
		}
		for j, r := range e.Roles {
			rkey := fmt.Sprintf("%s.roles[%d]", key, j)
			if strings.TrimSpace(r.Title) == "" {
				v.add(rkey+".title", "vide")
			}
			from, okFrom := parsePartialDate(r.From)
			to, okTo := parsePartialDate(r.To)
			if !okFrom {
				v.add(rkey+".from", fmt.Sprintf("%q n'est pas une date (AAAA, AAAA-MM ou AAAA-MM-JJ)", r.From))
			}
			if !okTo {
				v.add(rkey+".to", fmt.Sprintf("%q n'est pas une date (AAAA, AAAA-MM ou AAAA-MM-JJ)", r.To))
			}
			if okFrom && okTo && !from.IsZero() && !to.IsZero() && to.Before(from) {
				v.add(rkey, "to est antérieur à from")
			}
		}
	}
}

// validateSharedAliases refuses one alias for two entities: a mention
// could not be credited to either.
func (c *Config) validateSharedAliases(v *validator) {
	owner := map[string]string{}
	for _, e := range c.Entities() {
		for _, a := range e.Aliases {
			key := strings.ToLower(strings.Join(strings.Fields(a.Text), " "))
			if other, ok := owner[key]; ok && other != e.ID {
				v.add("watch", fmt.Sprintf("l'alias %q appartient à la fois à %s et à %s", a.Text, other, e.ID))
				continue
			}
			owner[key] = e.ID
		}
	}
}

func validKind(k string) bool {
	switch k {
	case "federation", "member", "brand", "event", "person":
		return true
	}
	return false
}

func validScope(s string) bool {
	switch s {
	case "national", "regional", "trade", "international", "institutional":
		return true
	}
	return false
}

// parsePartialDate reads YYYY, YYYY-MM or YYYY-MM-DD; "" is valid and zero.
func parsePartialDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func checkURL(v *validator, key, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(key, fmt.Sprintf("%q n'est pas une adresse http(s)", raw))
	}
}

func (c *Config) validateOutlets(v *validator) {
	ids := map[string]int{}
	domains := map[string]string{}
	for i, o := range c.Outlets {
		key := fmt.Sprintf("outlets[%d]", i)
		if o.ID != "" {
			key = fmt.Sprintf("outlets[%d] (%s)", i, o.ID)
		}
		switch {
		case o.ID == "":
			v.add(key+".id", "vide")
		case !idPattern.MatchString(o.ID):
			v.add(key+".id", fmt.Sprintf("%q doit être en minuscules, chiffres, - ou _", o.ID))
		}
		if j, dup := ids[o.ID]; dup && o.ID != "" {
			v.add(key+".id", fmt.Sprintf("%q est déjà utilisé par outlets[%d]", o.ID, j))
		}
		ids[o.ID] = i
		if strings.TrimSpace(o.Name) == "" {
			v.add(key+".name", "vide")
		}
		if !validScope(o.Scope) {
			v.add(key+".scope", fmt.Sprintf("%q n'est pas l'un de national, regional, trade, international, institutional", o.Scope))
		}
		if len(o.Domains) == 0 {
			v.add(key+".domains", "vide : donnez les noms d'hôte du titre (lesechos.fr)")
		}
		for j, d := range o.Domains {
			d = strings.ToLower(strings.TrimSpace(d))
			if d == "" || strings.ContainsAny(d, "/ ") {
				v.add(fmt.Sprintf("%s.domains[%d]", key, j), fmt.Sprintf("%q n'est pas un nom d'hôte (écrivez lesechos.fr, sans http://)", d))
				continue
			}
			if other, dup := domains[d]; dup && other != o.ID {
				v.add(fmt.Sprintf("%s.domains[%d]", key, j), fmt.Sprintf("%q est déjà le domaine du titre %s", d, other))
			}
			domains[d] = o.ID
		}
		for j, f := range o.Feeds {
			checkURL(v, fmt.Sprintf("%s.feeds[%d]", key, j), f)
		}
		for j, s := range o.Sitemaps {
			checkURL(v, fmt.Sprintf("%s.sitemaps[%d]", key, j), s)
		}
		for j, s := range o.Crawl.Seeds {
			checkURL(v, fmt.Sprintf("%s.crawl.seeds[%d]", key, j), s)
		}
		for j, a := range o.Crawl.Allow {
			if _, err := regexp.Compile(a); err != nil {
				v.add(fmt.Sprintf("%s.crawl.allow[%d]", key, j), fmt.Sprintf("%q n'est pas une expression régulière : %v", a, err))
			}
		}
		if o.Crawl.MaxDepth < 0 {
			v.add(key+".crawl.max_depth", "négatif")
		}
		for j, a := range o.Archives {
			if !strings.Contains(a, "{") {
				v.add(fmt.Sprintf("%s.archives[%d]", key, j), "ne contient ni {date}, ni {yyyy}, {mm} ou {dd}")
			}
		}
		for j, h := range o.ScopeHistory {
			hkey := fmt.Sprintf("%s.scope_history[%d]", key, j)
			if !validScope(h.Scope) {
				v.add(hkey+".scope", fmt.Sprintf("%q n'est pas l'un de national, regional, trade, international, institutional", h.Scope))
			}
			if _, err := time.Parse("2006-01-02", h.Until); err != nil {
				v.add(hkey+".until", fmt.Sprintf("%q n'est pas une date (AAAA-MM-JJ)", h.Until))
			}
		}
	}
}

func (c *Config) validateCrawler(v *validator) {
	cr := c.Crawler
	if strings.TrimSpace(cr.UserAgent) == "" {
		v.add("crawler.user_agent", "vide : les sites doivent savoir qui les consulte")
	}
	if cr.Concurrency < 1 {
		v.add("crawler.concurrency", "doit valoir au moins 1")
	}
	if cr.PerHostConcurrency < 1 {
		v.add("crawler.per_host_concurrency", "doit valoir au moins 1")
	}
	if cr.PerHostDelay < 0 {
		v.add("crawler.per_host_delay", "négatif")
	}
	if cr.Timeout <= 0 {
		v.add("crawler.timeout", "doit être positif (écrivez 30s)")
	}
	if cr.MaxBodyBytes < 1024 {
		v.add("crawler.max_body_bytes", "doit valoir au moins 1024")
	}
	if cr.MinInterval <= 0 {
		v.add("crawler.min_interval", "doit être positif (écrivez 15m)")
	}
	if cr.MaxInterval < cr.MinInterval {
		v.add("crawler.max_interval", "plus court que crawler.min_interval")
	}
	if cr.MaxRetries < 0 {
		v.add("crawler.max_retries", "négatif")
	}
}

func (c *Config) validateDigest(v *validator) {
	d := c.Digest
	if _, err := time.Parse("15:04", d.Time); err != nil {
		v.add("digest.time", fmt.Sprintf("%q n'est pas une heure (écrivez 08:00)", d.Time))
	}
	switch d.SMTP.TLS {
	case "starttls", "tls", "none":
	default:
		v.add("digest.smtp.tls", fmt.Sprintf("%q n'est pas l'un de starttls, tls, none", d.SMTP.TLS))
	}
	if d.SMTP.Port < 0 || d.SMTP.Port > 65535 {
		v.add("digest.smtp.port", fmt.Sprintf("%d n'est pas un port", d.SMTP.Port))
	}
	if d.SMTP.TLS == "none" && d.SMTP.Username != "" && !loopbackHost(d.SMTP.Host) {
		v.add("digest.smtp.tls", "none avec un digest.smtp.username : le mot de passe passerait en clair ; choisissez starttls ou tls")
	}
	if strings.ContainsAny(d.SMTP.Host, " /:") && net.ParseIP(d.SMTP.Host) == nil {
		v.add("digest.smtp.host", fmt.Sprintf("%q n'est pas un nom d'hôte (le port va dans digest.smtp.port)", d.SMTP.Host))
	}
	if len(d.Recipients) > 0 {
		if d.SMTP.Host == "" {
			v.add("digest.smtp.host", "vide, alors que digest.recipients est renseigné")
		}
		if _, err := mail.ParseAddress(d.SMTP.From); err != nil {
			v.add("digest.smtp.from", fmt.Sprintf("%q n'est pas une adresse e-mail", d.SMTP.From))
		}
	}
	entities := map[string]bool{}
	for _, e := range c.Entities() {
		entities[e.ID] = true
	}
	seen := map[string]int{}
	for i, r := range d.Recipients {
		key := fmt.Sprintf("digest.recipients[%d]", i)
		if _, err := mail.ParseAddress(r.Email); err != nil || r.Email == "" {
			v.add(key+".email", fmt.Sprintf("%q n'est pas une adresse e-mail", r.Email))
		}
		if j, dup := seen[strings.ToLower(r.Email)]; dup {
			v.add(key+".email", fmt.Sprintf("%q figure déjà en digest.recipients[%d]", r.Email, j))
		}
		seen[strings.ToLower(r.Email)] = i
		for j, id := range r.Entities {
			if !entities[id] {
				v.add(fmt.Sprintf("%s.entities[%d]", key, j), fmt.Sprintf("%q n'est pas une entité de la liste de veille", id))
			}
		}
		for j, k := range r.Kinds {
			if !validKind(k) {
				v.add(fmt.Sprintf("%s.kinds[%d]", key, j), fmt.Sprintf("%q n'est pas l'un de federation, member, brand, event, person", k))
			}
		}
		for j, s := range r.Scopes {
			if !validScope(s) {
				v.add(fmt.Sprintf("%s.scopes[%d]", key, j), fmt.Sprintf("%q n'est pas l'un de national, regional, trade, international, institutional", s))
			}
		}
		switch r.Empty {
		case "", "skip", "send":
		default:
			v.add(key+".empty", fmt.Sprintf("%q n'est ni skip ni send", r.Empty))
		}
	}
}

func (c *Config) validateWeb(v *validator) {
	if c.Web.BaseURL != "" {
		checkURL(v, "web.base_url", c.Web.BaseURL)
	}
	names := map[string]bool{}
	for i, u := range c.Web.Users {
		key := fmt.Sprintf("web.users[%d]", i)
		if u.Name == "" {
			v.add(key+".name", "vide")
		}
		if names[u.Name] {
			v.add(key+".name", fmt.Sprintf("%q apparaît deux fois", u.Name))
		}
		names[u.Name] = true
		if !strings.HasPrefix(u.PasswordHash, "$2") {
			v.add(key+".password_hash", "pas une empreinte bcrypt (créez-la avec veille passwd)")
		}
	}
}

// loopbackHost reports whether host is this machine (where a plain-text
// SMTP password does not travel).
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
