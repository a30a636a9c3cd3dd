// Package config is veille's configuration: the schema, the built-in
// default (the CNER watch list and the French press), loading in layers
// (defaults, then a YAML file, then VEILLE_* environment variables) and
// validation whose errors name the offending key.
//
// It imports nothing of ours: every other package reads a *Config handed to it.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole configuration. Its YAML keys are a contract.
type Config struct {
	DataDir  string `yaml:"data_dir"`
	Timezone string `yaml:"timezone"`
	// MembersCSV is a roster of member agencies to import
	// (name,aliases,level,region,domain,source_url; aliases separated by |).
	// A relative path is relative to the configuration file.
	MembersCSV string   `yaml:"members_csv"`
	Watch      []Entity `yaml:"watch"`
	Outlets    []Outlet `yaml:"outlets"`
	Crawler    Crawler  `yaml:"crawler"`
	Digest     Digest   `yaml:"digest"`
	Web        Web      `yaml:"web"`

	// Members is the roster read from MembersCSV.
	Members []Entity `yaml:"-"`
	// Source names where the configuration came from, for messages.
	Source string `yaml:"-"`
}

// Entity is one watched entity: the federation, a brand, an event, a person
// or a member agency.
type Entity struct {
	ID      string  `yaml:"id"`
	Name    string  `yaml:"name"`
	Kind    string  `yaml:"kind"` // federation|member|brand|event|person
	Aliases []Alias `yaml:"aliases"`
	// Exclude lists phrases that veto a match of this entity when they
	// appear near it (within Window words, or anywhere when Window is 0).
	Exclude []string `yaml:"exclude,omitempty"`
	// Context lists words of which one must appear near an alias marked
	// ambiguous (Alias.NeedContext), within Window words.
	Context []string `yaml:"context,omitempty"`
	Window  int      `yaml:"window,omitempty"`
	// Roles are the periods in which a person held a role.
	Roles []Role `yaml:"roles,omitempty"`
	// Member details, from the roster.
	Level  string `yaml:"level,omitempty"`
	Region string `yaml:"region,omitempty"`
	Domain string `yaml:"domain,omitempty"`
}

// Alias is one way the press writes an entity. In YAML it is either a plain
// string or a mapping with options.
type Alias struct {
	Text string `yaml:"text"`
	// CaseSensitive makes the alias match only as written ("ADN", not "adn").
	CaseSensitive bool `yaml:"case_sensitive,omitempty"`
	// Context, when set, lists words of which one must appear within Window
	// words of the alias (or anywhere in the article when Window is 0).
	Context []string `yaml:"context,omitempty"`
	Window  int      `yaml:"window,omitempty"`
	// Exclude lists phrases that veto this alias when found near it.
	Exclude []string `yaml:"exclude,omitempty"`
}

// Role is a role a person held, for crediting mentions of past leaders.
type Role struct {
	Title string `yaml:"title"`
	From  string `yaml:"from,omitempty"` // YYYY, YYYY-MM or YYYY-MM-DD
	To    string `yaml:"to,omitempty"`
}

// Outlet is a press outlet and the sources veille watches for it.
type Outlet struct {
	ID       string   `yaml:"id"`
	Name     string   `yaml:"name"`
	Scope    string   `yaml:"scope"` // national|regional|trade|international|institutional
	Domains  []string `yaml:"domains"`
	Feeds    []string `yaml:"feeds,omitempty"`
	Sitemaps []string `yaml:"sitemaps,omitempty"`
	Crawl    Crawl    `yaml:"crawl,omitempty"`
	// Archives are dated archive pages walked by backfill; {date} stands
	// for YYYY-MM-DD and {yyyymmdd}, {yyyy}, {mm}, {dd} for its parts.
	Archives []string `yaml:"archives,omitempty"`
	// ScopeHistory records earlier scopes: the outlet had Scope "scope"
	// until the date "until" (exclusive). Counts use the scope in force at
	// each clipping's publication date.
	ScopeHistory []ScopeChange `yaml:"scope_history,omitempty"`
	// Paywall marks an outlet whose articles are often subscriber teasers.
	Paywall bool `yaml:"paywall,omitempty"`
	// Selectors are outlet-specific extraction rules (CSS selectors).
	Selectors Selectors `yaml:"selectors,omitempty"`
}

// ScopeChange is a past scope of an outlet.
type ScopeChange struct {
	Scope string `yaml:"scope"`
	Until string `yaml:"until"` // YYYY-MM-DD
}

// Selectors are optional outlet-specific CSS selectors for extraction.
type Selectors struct {
	Body   string `yaml:"body,omitempty"`
	Title  string `yaml:"title,omitempty"`
	Date   string `yaml:"date,omitempty"`
	Author string `yaml:"author,omitempty"`
	Remove string `yaml:"remove,omitempty"`
}

// Crawl configures a site crawl for outlets without feeds.
type Crawl struct {
	Seeds    []string `yaml:"seeds,omitempty"`
	Allow    []string `yaml:"allow,omitempty"` // regular expressions on the URL
	MaxDepth int      `yaml:"max_depth,omitempty"`
}

// Crawler configures fetching.
type Crawler struct {
	UserAgent          string   `yaml:"user_agent"`
	PerHostDelay       Duration `yaml:"per_host_delay"`
	PerHostConcurrency int      `yaml:"per_host_concurrency"`
	Concurrency        int      `yaml:"concurrency"`
	Timeout            Duration `yaml:"timeout"`
	MaxBodyBytes       int64    `yaml:"max_body_bytes"`
	RespectRobots      bool     `yaml:"respect_robots"`
	MinInterval        Duration `yaml:"min_interval"` // shortest time between two checks of a source
	MaxInterval        Duration `yaml:"max_interval"` // longest time between two checks of a source
	MaxRetries         int      `yaml:"max_retries"`  // attempts on an article before it is marked failed
	// AllowPrivate lets `veille add` and the web form fetch private,
	// loopback and link-local addresses. Configured outlets are always trusted.
	AllowPrivate bool `yaml:"allow_private"`
}

// Digest configures the daily digest email.
type Digest struct {
	Time       string      `yaml:"time"` // HH:MM in Config.Timezone
	SMTP       SMTP        `yaml:"smtp"`
	Recipients []Recipient `yaml:"recipients"`
}

// SMTP configures the mail server. The password is never in the file: it is
// read from the environment variable PasswordEnv or the file PasswordFile.
type SMTP struct {
	Host         string `yaml:"host"`
	Port         int    `yaml:"port"`
	Username     string `yaml:"username"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file,omitempty"`
	From         string `yaml:"from"`
	TLS          string `yaml:"tls"` // starttls|tls|none
}

// Password reads the SMTP password from its environment variable or file.
func (s SMTP) Password() (string, error) {
	if s.PasswordFile != "" {
		b, err := os.ReadFile(s.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("config: digest.smtp.password_file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if s.PasswordEnv != "" {
		return os.Getenv(s.PasswordEnv), nil
	}
	return "", nil
}

// Recipient is one person or member agency receiving a digest.
type Recipient struct {
	Email    string   `yaml:"email"`
	Name     string   `yaml:"name"`
	Entities []string `yaml:"entities,omitempty"` // entity ids; empty means all
	Kinds    []string `yaml:"kinds,omitempty"`    // entity kinds; empty means all
	Scopes   []string `yaml:"scopes,omitempty"`   // outlet scopes; empty means all
	Empty    string   `yaml:"empty,omitempty"`    // skip|send: what a day with nothing new does
}

// Web configures the web UI.
type Web struct {
	Addr    string    `yaml:"addr"`
	BaseURL string    `yaml:"base_url"`
	Users   []WebUser `yaml:"users"`
}

// WebUser is a login of the web UI.
type WebUser struct {
	Name         string `yaml:"name"`
	PasswordHash string `yaml:"password_hash"` // bcrypt
}

// Location returns the configured time zone.
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC // Validate has already refused an unknown zone
	}
	return loc
}

// Load builds the effective configuration: the built-in default, then the
// file at path (when path is not empty), then VEILLE_* environment
// variables, then validation.
func Load(path string) (*Config, error) {
	return LoadEnv(path, os.LookupEnv)
}

// LoadEnv is Load with an explicit environment lookup, for tests.
func LoadEnv(path string, lookup func(string) (string, bool)) (*Config, error) {
	cfg, err := Default()
	if err != nil {
		return nil, err
	}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if err := cfg.merge(data, path, os.DirFS(filepath.Dir(path))); err != nil {
			return nil, err
		}
	}
	if err := applyEnv(cfg, lookup); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Default returns the built-in default configuration.
func Default() (*Config, error) {
	cfg := &Config{}
	if err := cfg.merge(mustRead("default.yaml"), "built-in default", builtin); err != nil {
		return nil, fmt.Errorf("config: built-in default: %w", err)
	}
	return cfg, nil
}

// Parse reads a configuration from YAML bytes on top of the built-in
// default, resolving relative paths against dir, and validates it.
func Parse(data []byte, name string, dir fs.FS) (*Config, error) {
	cfg, err := Default()
	if err != nil {
		return nil, err
	}
	if err := cfg.merge(data, name, dir); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// merge decodes data over c: keys present in data replace those of c, the
// others keep their value. A members_csv key reloads the roster from dir.
func (c *Config) merge(data []byte, name string, dir fs.FS) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("config: %s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		c.Source = name
		return nil // an empty file keeps every default
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("config: %s: the top level must be a mapping of keys (data_dir, watch, outlets…)", name)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config: %s: %w", name, friendlyYAMLError(err))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "members_csv" {
			members, err := loadMembersFS(dir, c.MembersCSV)
			if err != nil {
				return fmt.Errorf("config: %s: members_csv: %w", name, err)
			}
			c.Members = members
		}
	}
	c.Source = name
	return nil
}

// yamlError rewords the decoder's messages for people while keeping the
// original error in the chain.
type yamlError struct {
	msg string
	err error
}

func (e *yamlError) Error() string { return e.msg }
func (e *yamlError) Unwrap() error { return e.err }

func friendlyYAMLError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, 0, len(te.Errors))
		for _, m := range te.Errors {
			m = strings.Replace(m, "not found in type config.", "inconnue dans la section ", 1)
			m = strings.Replace(m, "field ", "clé ", 1)
			m = strings.Replace(m, "line ", "ligne ", 1)
			msgs = append(msgs, m)
		}
		return &yamlError{msg: strings.Join(msgs, " ; "), err: err}
	}
	return err
}

func loadMembersFS(dir fs.FS, path string) ([]Entity, error) {
	if path == "" {
		return nil, nil
	}
	var (
		f   fs.File
		err error
	)
	if filepath.IsAbs(path) || dir == nil {
		f, err = os.Open(path)
	} else {
		f, err = dir.Open(filepath.ToSlash(filepath.Clean(path)))
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadMembers(f)
}

// Entities returns the effective watch list: the roster's members, then the
// watch entries. A watch entry whose id is a member's refines that member:
// its non-empty fields win, its aliases replace those of the same text and
// add the others.
func (c *Config) Entities() []Entity {
	out := make([]Entity, 0, len(c.Members)+len(c.Watch))
	byID := make(map[string]int, len(c.Members))
	for _, m := range c.Members {
		byID[m.ID] = len(out)
		out = append(out, cloneEntity(m))
	}
	for _, w := range c.Watch {
		i, ok := byID[w.ID]
		if !ok {
			if w.Kind == "" {
				continue // refines a member absent from the roster: see Warnings
			}
			byID[w.ID] = len(out)
			out = append(out, cloneEntity(w))
			continue
		}
		out[i] = refine(out[i], w)
	}
	return out
}

func cloneEntity(e Entity) Entity {
	e.Aliases = append([]Alias(nil), e.Aliases...)
	e.Exclude = append([]string(nil), e.Exclude...)
	e.Context = append([]string(nil), e.Context...)
	e.Roles = append([]Role(nil), e.Roles...)
	return e
}

func refine(base, w Entity) Entity {
	if w.Name != "" {
		base.Name = w.Name
	}
	if w.Kind != "" {
		base.Kind = w.Kind
	}
	for _, a := range w.Aliases {
		replaced := false
		for j := range base.Aliases {
			if base.Aliases[j].Text == a.Text {
				base.Aliases[j] = a
				replaced = true
			}
		}
		if !replaced {
			base.Aliases = append(base.Aliases, a)
		}
	}
	base.Exclude = append(base.Exclude, w.Exclude...)
	base.Context = append(base.Context, w.Context...)
	if w.Window != 0 {
		base.Window = w.Window
	}
	base.Roles = append(base.Roles, w.Roles...)
	if w.Level != "" {
		base.Level = w.Level
	}
	if w.Region != "" {
		base.Region = w.Region
	}
	if w.Domain != "" {
		base.Domain = w.Domain
	}
	return base
}

// Warnings lists what is valid but probably not meant: watch entries that
// refine a member the roster does not hold.
func (c *Config) Warnings() []string {
	members := map[string]bool{}
	for _, m := range c.Members {
		members[m.ID] = true
	}
	var out []string
	for i, w := range c.Watch {
		if w.Kind == "" && !members[w.ID] {
			out = append(out, fmt.Sprintf("watch[%d] (%s): précise un adhérent absent de members_csv ; ignoré", i, w.ID))
		}
	}
	return out
}

// Outlet returns the outlet with the given id.
func (c *Config) Outlet(id string) (Outlet, bool) {
	for _, o := range c.Outlets {
		if o.ID == id {
			return o, true
		}
	}
	return Outlet{}, false
}

// Entity returns the effective entity with the given id.
func (c *Config) Entity(id string) (Entity, bool) {
	for _, e := range c.Entities() {
		if e.ID == id {
			return e, true
		}
	}
	return Entity{}, false
}
