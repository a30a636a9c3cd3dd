package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/cner/veille/internal/digest"
	"github.com/cner/veille/internal/pipeline"
)

func runCmd() command {
	return command{
		name:    "run",
		summary: "le service : collecte continue, synthèse quotidienne et interface web (Ctrl-C pour arrêter)",
		usage:   "run [--no-digest] [--no-web]",
		run:     runRun,
	}
}

// shutdownGrace is how long the components have to stop after SIGINT or
// SIGTERM before `veille run` gives up on them.
const shutdownGrace = 9 * time.Second

// component is a long-running part of `veille run`: it works until ctx
// ends, then returns nil. An error (or an early return) stops the others.
type component struct {
	name string
	run  func(ctx context.Context) error
}

func runRun(ctx context.Context, a *app, args []string) error {
	fs := a.flags("run")
	noDigest := fs.Bool("no-digest", false, "n'envoie pas la synthèse quotidienne")
	noWeb := fs.Bool("no-web", false, "ne sert pas l'interface web")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("run : argument inattendu %q", pos[0])
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	e, err := a.openFromFlags(ctx)
	if err != nil {
		return err
	}
	defer e.Close()
	defer e.shareIndex(ctx)() // other commands search through this process

	components := []component{
		{"collecte", func(ctx context.Context) error { return e.pl.Run(ctx, pipeline.RunOptions{}) }},
	}
	if *noDigest || len(e.cfg.Digest.Recipients) == 0 {
		fmt.Fprintln(a.stderr, "veille run : synthèse quotidienne désactivée (aucun destinataire dans digest.recipients, ou --no-digest).")
	} else {
		svc, err := digest.New(e.cfg, e.st, digest.Options{Logger: a.logger})
		if err != nil {
			return err
		}
		components = append(components, component{"synthèse quotidienne", svc.Run})
	}
	if *noWeb || len(e.cfg.Web.Users) == 0 {
		fmt.Fprintln(a.stderr, "veille run : interface web désactivée (aucun utilisateur dans web.users, ou --no-web ; veille passwd en crée un).")
	} else {
		srv, err := e.webServer(a)
		if err != nil {
			return err
		}
		components = append(components, component{"interface web (" + e.cfg.Web.Addr + ")", func(ctx context.Context) error {
			return srv.Serve(ctx, e.cfg.Web.Addr)
		}})
	}

	names := make([]string, len(components))
	for i, c := range components {
		names[i] = c.name
	}
	fmt.Fprintf(a.stderr, "veille run : %s en cours (données : %s) ; Ctrl-C pour arrêter.\n",
		strings.Join(names, ", "), e.cfg.DataDir)
	err = runComponents(ctx, components, shutdownGrace, a.logger)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stderr, "veille run : arrêté proprement.")
	return nil
}

// runComponents runs every component until ctx ends or one of them
// returns; then it cancels the others and waits for them, at most grace.
// It returns the first error.
func runComponents(ctx context.Context, components []component, grace time.Duration, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		name string
		err  error
	}
	results := make(chan result, len(components))
	running := map[string]bool{}
	for _, c := range components {
		running[c.name] = true
		go func(c component) {
			results <- result{c.name, c.run(ctx)}
		}(c)
	}
	var first error
	collect := func(r result) {
		delete(running, r.name)
		if r.err != nil && first == nil && ctx.Err() == nil {
			first = fmt.Errorf("%s : %w", r.name, r.err)
		}
		if r.err != nil {
			log.Error("component stopped", "component", r.name, "err", r.err)
		}
	}
	select {
	case r := <-results:
		collect(r)
	case <-ctx.Done():
	}
	cancel()
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	for len(running) > 0 {
		select {
		case r := <-results:
			collect(r)
		case <-deadline.C:
			var stuck []string
			for n := range running {
				stuck = append(stuck, n)
			}
			sort.Strings(stuck)
			return fmt.Errorf("arrêt forcé : %s ne s'est pas arrêté en %s", strings.Join(stuck, ", "), grace)
		}
	}
	return first
}
