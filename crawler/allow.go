package crawler

import (
	"fmt"
	"regexp"
)

type allowList []*regexp.Regexp

func compileAllow(patterns []string) (allowList, error) {
	out := make(allowList, 0, len(patterns))
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("crawler: crawl.allow %q: %w", p, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// match reports whether u is an article URL: any pattern matches (with no
// pattern, nothing is an article: a crawl must say what it looks for).
func (a allowList) match(u string) bool {
	for _, re := range a {
		if re.MatchString(u) {
			return true
		}
	}
	return false
}
