package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// EnvPrefix starts every environment override: VEILLE_DATA_DIR,
// VEILLE_CRAWLER_CONCURRENCY, VEILLE_DIGEST_SMTP_HOST…
const EnvPrefix = "VEILLE_"

// EnvKeys lists the environment variables that override scalar keys, with
// the YAML key each one sets.
func EnvKeys() map[string]string {
	out := map[string]string{}
	walkScalars(reflect.TypeOf(Config{}), nil, func(path []string, _ []int) {
		out[envName(path)] = strings.Join(path, ".")
	})
	return out
}

func envName(path []string) string {
	return EnvPrefix + strings.ToUpper(strings.Join(path, "_"))
}

// walkScalars calls fn for every scalar field reachable through structs
// (not through slices), with its YAML path and reflect index path.
func walkScalars(t reflect.Type, prefix []string, fn func(path []string, index []int)) {
	var walk func(t reflect.Type, path []string, index []int)
	walk = func(t reflect.Type, path []string, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" || !f.IsExported() {
				continue
			}
			p := append(append([]string(nil), path...), tag)
			idx := append(append([]int(nil), index...), i)
			switch {
			case f.Type == reflect.TypeOf(Duration(0)):
				fn(p, idx)
			case f.Type.Kind() == reflect.Struct:
				walk(f.Type, p, idx)
			case f.Type.Kind() == reflect.String, f.Type.Kind() == reflect.Bool,
				f.Type.Kind() == reflect.Int, f.Type.Kind() == reflect.Int64:
				fn(p, idx)
			}
		}
	}
	walk(t, prefix, nil)
}

func applyEnv(c *Config, lookup func(string) (string, bool)) error {
	var errs []string
	root := reflect.ValueOf(c).Elem()
	walkScalars(root.Type(), nil, func(path []string, index []int) {
		name := envName(path)
		val, ok := lookup(name)
		if !ok {
			return
		}
		f := root.FieldByIndex(index)
		key := strings.Join(path, ".")
		switch {
		case f.Type() == reflect.TypeOf(Duration(0)):
			d, err := time.ParseDuration(val)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s (from %s): %q n'est pas une durée (écrivez 500ms, 10s, 2h)", key, name, val))
				return
			}
			f.SetInt(int64(d))
		case f.Kind() == reflect.String:
			f.SetString(val)
		case f.Kind() == reflect.Bool:
			b, err := strconv.ParseBool(val)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s (from %s): %q n'est ni true ni false", key, name, val))
				return
			}
			f.SetBool(b)
		case f.Kind() == reflect.Int, f.Kind() == reflect.Int64:
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s (from %s): %q n'est pas un nombre entier", key, name, val))
				return
			}
			f.SetInt(n)
		}
		if key == "members_csv" {
			members, err := loadMembersFS(nil, val)
			if err != nil {
				errs = append(errs, fmt.Sprintf("members_csv (from %s): %v", name, err))
				return
			}
			c.Members = members
		}
	})
	if len(errs) > 0 {
		return fmt.Errorf("config: environment: %s", strings.Join(errs, "; "))
	}
	return nil
}
