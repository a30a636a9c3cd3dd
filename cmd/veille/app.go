package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/cner/veille/config"
)

// app is what every command receives: the streams, the global flags and the
// environment. Commands open the store and the index through it.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	configPath     string // --config
	dataDir        string // --data
	verbose        bool   // --verbose
	logger         *slog.Logger
	lookupEnv      func(string) (string, bool)
}

// command is one subcommand of veille. Each lives in its own file and is
// listed in commands().
type command struct {
	name    string
	summary string // one line, in French
	usage   string // the flags' synopsis, in French
	run     func(ctx context.Context, a *app, args []string) error
}

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// Run is veille's entry point: main calls it, and so do the tests.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, lookupEnv: os.LookupEnv}
	rest, err := a.globalFlags(args)
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelDebug
	}
	if v, ok := a.lookupEnv("VEILLE_LOG_LEVEL"); ok {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			return usagef("VEILLE_LOG_LEVEL=%q : niveau inconnu (debug, info, warn, error)", v)
		}
	}
	a.logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	if len(rest) == 0 {
		a.printHelp(stdout)
		return nil
	}
	name := rest[0]
	switch name {
	case "help", "-h", "--help", "aide":
		if len(rest) > 1 {
			if c, ok := findCommand(rest[1]); ok {
				a.printCommandHelp(stdout, c)
				return nil
			}
		}
		a.printHelp(stdout)
		return nil
	}
	c, ok := findCommand(name)
	if !ok {
		return usagef("commande inconnue %q (veille help liste les commandes)", name)
	}
	err = c.run(ctx, a, rest[1:])
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// globalFlags removes --config, --data and --verbose from anywhere before a
// "--", so they work before or after the command's name.
func (a *app) globalFlags(args []string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") {
			rest = append(rest, arg)
			continue
		}
		switch name {
		case "config", "data":
			if !hasValue {
				if i+1 >= len(args) {
					return nil, usagef("--%s attend une valeur", name)
				}
				i++
				value = args[i]
			}
			if name == "config" {
				a.configPath = value
			} else {
				a.dataDir = value
			}
		case "verbose", "v":
			a.verbose = true
		default:
			rest = append(rest, arg)
		}
	}
	return rest, nil
}

// config loads the effective configuration: --config (or VEILLE_CONFIG),
// then --data over data_dir.
func (a *app) config() (*config.Config, error) {
	path := a.configPath
	if path == "" {
		if v, ok := a.lookupEnv("VEILLE_CONFIG"); ok {
			path = v
		}
	}
	cfg, err := config.LoadEnv(path, a.lookupEnv)
	if err != nil {
		return nil, err
	}
	if a.dataDir != "" {
		cfg.DataDir = a.dataDir
	}
	cfg.DataDir = expandHome(cfg.DataDir)
	return cfg, nil
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return home + p[1:]
		}
	}
	return p
}

// flags returns a FlagSet for a command whose errors and help go to stderr.
func (a *app) flags(c string) *flag.FlagSet {
	fs := flag.NewFlagSet("veille "+c, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		if cmd, ok := findCommand(c); ok {
			a.printCommandHelp(a.stderr, cmd)
		}
		fmt.Fprintln(a.stderr, "\nOptions :")
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args with fs, turning flag errors into usage errors. Flags
// may follow positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%s : %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			positional = append(positional, args[1:]...)
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	return positional, nil
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func (a *app) printHelp(w io.Writer) {
	fmt.Fprintln(w, "veille : veille de presse du CNER (retombées, recherche, totaux, synthèse quotidienne)")
	fmt.Fprintln(w, "\nUsage : veille [--config FICHIER] [--data DOSSIER] [--verbose] COMMANDE [options]")
	fmt.Fprintln(w, "\nCommandes :")
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nveille COMMANDE --help détaille une commande.")
}

func (a *app) printCommandHelp(w io.Writer, c command) {
	fmt.Fprintf(w, "veille %s : %s\n", c.name, c.summary)
	if c.usage != "" {
		fmt.Fprintf(w, "\nUsage : veille %s\n", c.usage)
	}
}

// subcommand is one action of a command with several (config init, watch
// test, eval dates).
type subcommand struct {
	name string
	run  func(ctx context.Context, a *app, args []string) error
}

// dispatch runs the subcommand named by args[0], or prints the command's
// help, or says which subcommands exist.
func (a *app) dispatch(ctx context.Context, command string, args []string, subs []subcommand) error {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	list := strings.Join(names[:len(names)-1], ", ") + " ou " + names[len(names)-1]
	if len(args) == 0 {
		return usagef("%s : précisez %s (veille %s --help)", command, list, command)
	}
	if args[0] == "--help" || args[0] == "-h" {
		c, _ := findCommand(command)
		a.printCommandHelp(a.stdout, c)
		return nil
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, a, args[1:])
		}
	}
	return usagef("%s : sous-commande inconnue %q (%s)", command, args[0], list)
}
