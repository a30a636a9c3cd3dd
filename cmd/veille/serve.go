package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/cner/veille/internal/web"
)

func serveCmd() command {
	return command{
		name:    "serve",
		summary: "sert l'interface web (recherche, fiches, totaux, sources) sans collecter",
		usage:   "serve [--addr HÔTE:PORT]",
		run:     runServe,
	}
}

// webServer builds the web UI on the opened data directory. veille serve
// and veille run (next to the crawler) both use it.
func (e *engine) webServer(a *app) (*web.Server, error) {
	return web.New(web.Options{Config: e.cfg, Store: e.st, Index: e.ix, Pipeline: e.pl, Logger: a.logger})
}

func runServe(ctx context.Context, a *app, args []string) error {
	fs := a.flags("serve")
	addr := fs.String("addr", "", "adresse d'écoute (par défaut web.addr, 127.0.0.1:8080)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	if len(cfg.Web.Users) == 0 {
		return errors.New("aucun utilisateur web : ajoutez web.users à la configuration (veille passwd NOM crée l'entrée)")
	}
	if *addr == "" {
		*addr = cfg.Web.Addr
	}
	if *addr == "" {
		*addr = "127.0.0.1:8080"
	}
	e, err := a.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	defer e.shareIndex(ctx)() // other commands search through this process
	srv, err := e.webServer(a)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("écoute sur %s : %w", *addr, err)
	}
	fmt.Fprintf(a.stdout, "Interface web : %s (Ctrl-C pour arrêter)\n", listenURL(ln.Addr(), cfg.Web.BaseURL))
	defer e.followStore(ctx)() // clippings that veille add or backfill store beside this process
	return srv.ServeListener(ctx, ln)
}

// listenURL is the address people open: web.base_url when set, else the
// listener's address (a wildcard host shown as 127.0.0.1).
func listenURL(addr net.Addr, baseURL string) string {
	if baseURL != "" {
		return strings.TrimRight(baseURL, "/") + "/"
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
