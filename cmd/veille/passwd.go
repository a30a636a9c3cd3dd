package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/cner/veille/internal/web"
)

func passwdCmd() command {
	return command{
		name:    "passwd",
		summary: "crée l'empreinte bcrypt d'un mot de passe de l'interface web (web.users)",
		usage:   "passwd [NOM] [--cost 12]   (le mot de passe est lu au clavier, sans écho, ou sur l'entrée standard)",
		run:     runPasswd,
	}
}

const minPasswordLen = 10

func runPasswd(ctx context.Context, a *app, args []string) error {
	fs := a.flags("passwd")
	cost := fs.Int("cost", web.PasswordCost, "coût bcrypt (10 à 16)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("passwd : un seul nom d'utilisateur")
	}
	if *cost < 10 || *cost > 16 {
		return usagef("--cost %d : entre 10 et 16", *cost)
	}
	name := ""
	if len(pos) == 1 {
		name = strings.TrimSpace(pos[0])
		if name == "" || strings.ContainsAny(name, "\"'\n\r\t:#") {
			return usagef("passwd : nom d'utilisateur %q invalide", pos[0])
		}
	}
	password, err := a.readPassword()
	if err != nil {
		return err
	}
	if n := utf8.RuneCountInString(password); n < minPasswordLen {
		return fmt.Errorf("mot de passe trop court : %d caractères, %d au moins", n, minPasswordLen)
	}
	if len(password) > 72 {
		return errors.New("mot de passe trop long : 72 octets au plus (limite de bcrypt)")
	}
	hash, err := web.HashPassword(password, *cost)
	if err != nil {
		return err
	}
	if name == "" {
		fmt.Fprintln(a.stdout, hash)
		return nil
	}
	fmt.Fprintf(a.stdout, "web:\n  users:\n    - name: %s\n      password_hash: %q\n", name, hash)
	return nil
}

// readPassword reads the password twice without echo on a terminal, or the
// first line of standard input otherwise.
func (a *app) readPassword() (string, error) {
	if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(a.stderr, "Mot de passe : ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("lecture du mot de passe : %w", err)
		}
		fmt.Fprint(a.stderr, "Confirmation : ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return "", fmt.Errorf("lecture du mot de passe : %w", err)
		}
		if string(p1) != string(p2) {
			return "", errors.New("les deux saisies diffèrent")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("lecture du mot de passe : %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("aucun mot de passe lu sur l'entrée standard")
	}
	return line, nil
}
