package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/web"
)

// demoUser is the login the demo creates for its web UI.
const demoUser = "demo"

// serveDemoWeb serves the web UI on the demo's data, with a user made for
// the demo only (its password is printed), until ctx ends.
func serveDemoWeb(ctx context.Context, a *app, e *engine) error {
	password := rand.Text()[:12]
	hash, err := web.HashPassword(password, 10)
	if err != nil {
		return err
	}
	users := append([]config.WebUser(nil), e.cfg.Web.Users...)
	e.cfg.Web.Users = append(users, config.WebUser{Name: demoUser, PasswordHash: hash})
	srv, err := e.webServer(a)
	if err != nil {
		return err
	}
	addr := e.cfg.Web.Addr
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		ln, err = lc.Listen(ctx, "tcp", "127.0.0.1:0") // the usual port is taken: any free one
	}
	if err != nil {
		return fmt.Errorf("interface web : écoute sur %s : %w", addr, err)
	}
	fmt.Fprintf(a.stdout, "\nInterface web : %s\n  identifiant : %s\n  mot de passe : %s (créé pour cette démonstration)\n",
		listenURL(ln.Addr(), ""), demoUser, password)
	fmt.Fprintln(a.stdout, "\nLa presse d'exemple et l'interface web restent servies ; Ctrl-C pour arrêter.")
	defer e.followStore(ctx)() // clippings that veille add or backfill store beside this process
	return srv.ServeListener(ctx, ln)
}
