package main

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/cner/veille/config"
)

func configCmd() command {
	return command{
		name:    "config",
		summary: "écrit, vérifie ou affiche la configuration",
		usage: `config init [FICHIER] [--force]   écrit la configuration par défaut commentée (et members.csv à côté)
       veille config check FICHIER              vérifie un fichier
       veille config show [--json]              affiche la configuration effective (secrets masqués)`,
		run: runConfig,
	}
}

func runConfig(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "config", args, []subcommand{
		{"init", func(_ context.Context, a *app, args []string) error { return configInit(a, args) }},
		{"check", func(_ context.Context, a *app, args []string) error { return configCheck(a, args) }},
		{"show", func(_ context.Context, a *app, args []string) error { return configShow(a, args) }},
	})
}

func configInit(a *app, args []string) error {
	fs := a.flags("config")
	force := fs.Bool("force", false, "remplace un fichier existant")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	path := "veille.yaml"
	if len(pos) > 0 {
		path = pos[0]
	}
	members := filepath.Join(filepath.Dir(path), "members.csv")
	for _, p := range []string{path, members} {
		if _, err := os.Stat(p); err == nil && !*force {
			return fmt.Errorf("%s existe déjà : --force pour le remplacer", p)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("création du dossier : %w", err)
	}
	if err := os.WriteFile(path, config.DefaultFile(), 0o644); err != nil {
		return fmt.Errorf("écriture de la configuration : %w", err)
	}
	if err := os.WriteFile(members, config.DefaultMembersCSV(), 0o644); err != nil {
		return fmt.Errorf("écriture du fichier des membres : %w", err)
	}
	fmt.Fprintf(a.stdout, "Configuration écrite dans %s (adhérents dans %s).\n", path, members)
	return nil
}

func configCheck(a *app, args []string) error {
	fs := a.flags("config")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("config check : un fichier est attendu")
	}
	if _, err := os.Stat(pos[0]); errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("%s : fichier introuvable", pos[0])
	}
	cfg, err := config.LoadEnv(pos[0], a.lookupEnv)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintf(a.stdout, "attention : %s\n", w)
	}
	fmt.Fprintf(a.stdout, "%s : configuration valide (%d entités suivies, %d titres de presse).\n",
		pos[0], len(cfg.Entities()), len(cfg.Outlets))
	return nil
}

func configShow(a *app, args []string) error {
	fs := a.flags("config")
	asJSON := fs.Bool("json", false, "sortie JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	shown := *cfg
	shown.Web.Users = append([]config.WebUser(nil), cfg.Web.Users...)
	for i := range shown.Web.Users {
		shown.Web.Users[i].PasswordHash = "(masqué)"
	}
	if *asJSON {
		return writeJSON(a.stdout, shown)
	}
	enc := yaml.NewEncoder(a.stdout)
	enc.SetIndent(2)
	if err := enc.Encode(shown); err != nil {
		return fmt.Errorf("config show : %w", err)
	}
	return enc.Close()
}
