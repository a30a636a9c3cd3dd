package config

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as "500ms", "10s" or "2h" in YAML.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d the way it is written in YAML.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML reads "10s"-style durations.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("ligne %d : une durée est attendue (500ms, 10s, 2h)", n.Line)
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("ligne %d : %q n'est pas une durée (écrivez 500ms, 10s, 2h) : %w", n.Line, n.Value, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes d as "10s".
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML accepts an alias as a plain string or as a mapping.
func (a *Alias) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*a = Alias{Text: n.Value}
		return nil
	}
	type plain Alias
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*a = Alias(p)
	return nil
}

// MarshalYAML writes an alias without options as a plain string.
func (a Alias) MarshalYAML() (any, error) {
	if !a.CaseSensitive && len(a.Context) == 0 && a.Window == 0 && len(a.Exclude) == 0 {
		return a.Text, nil
	}
	type plain Alias
	return plain(a), nil
}
