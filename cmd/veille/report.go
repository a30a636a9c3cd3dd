package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cner/veille/internal/report"
)

func reportCmd() command {
	return command{
		name:    "report",
		summary: "revue de presse imprimable d'une période (HTML, CSV) : totaux, graphique, articles",
		usage: "report --year 2021 | --from DATE --to DATE [--scope national] [--outlet ID] [--entity ID] [--kind KIND] " +
			"[--unique-stories] [--out revue-2021.html] [--csv revue-2021.csv]",
		run: runReport,
	}
}

// runReport writes the press report: the activity-report sentence, totals
// by outlet, month and entity, a monthly bar chart and the press book, as
// one printable HTML page (print it to PDF from a browser), and the press
// book as CSV with --csv.
func runReport(ctx context.Context, a *app, args []string) error {
	fs := a.flags("report")
	ff := addFilterFlags(fs)
	out := fs.String("out", "", "fichier HTML à écrire (par défaut revue-ANNÉE.html ; « - » : la sortie standard)")
	csvOut := fs.String("csv", "", "fichier CSV des articles à écrire (« - » : la sortie standard)")
	force := fs.Bool("force", false, "remplace un fichier existant")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	f, err := ff.filter(cfg)
	if err != nil {
		return err
	}
	if f.From.IsZero() || f.To.IsZero() {
		return usagef("report demande une période : --year 2021, ou --from et --to")
	}
	if *out == "" && *csvOut == "" {
		*out = "revue-" + f.From.In(cfg.Location()).Format("2006") + ".html"
		if *ff.year == 0 {
			*out = "revue-" + f.From.In(cfg.Location()).Format("2006-01-02") + "-" +
				f.To.AddDate(0, 0, -1).In(cfg.Location()).Format("2006-01-02") + ".html"
		}
	}
	if *out == "-" && *csvOut == "-" {
		return usagef("--out - et --csv - s'excluent")
	}
	for _, p := range []string{*out, *csvOut} {
		if p == "" || p == "-" {
			continue
		}
		if _, err := os.Stat(p); err == nil && !*force {
			return usagef("%s existe déjà (--force le remplace)", p)
		}
		if st, err := os.Stat(filepath.Dir(p)); err != nil || !st.IsDir() {
			return usagef("%s : le dossier %s n'existe pas", p, filepath.Dir(p))
		}
	}
	e, err := a.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer e.Close()
	if err := e.knownOutlet(ctx, f.Outlet); err != nil {
		return err
	}
	rep := report.New(e.st, cfg.Entities(), cfg.Location())
	doc, err := rep.Report(ctx, f)
	if err != nil {
		return err
	}
	if *out != "" {
		var buf bytes.Buffer
		if err := report.WriteHTML(&buf, doc); err != nil {
			return err
		}
		if err := writeOutput(a, *out, buf.Bytes()); err != nil {
			return err
		}
	}
	if *csvOut != "" {
		var buf bytes.Buffer
		if err := rep.WritePressBookCSV(&buf, doc.Entries); err != nil {
			return err
		}
		if err := writeOutput(a, *csvOut, buf.Bytes()); err != nil {
			return err
		}
	}
	if *out != "-" && *csvOut != "-" {
		fmt.Fprintln(a.stdout, doc.Totals.Sentence)
		for _, n := range doc.Totals.Coverage.Notes {
			fmt.Fprintln(a.stdout, "  - "+n)
		}
		for _, p := range []string{*out, *csvOut} {
			if p != "" {
				fmt.Fprintf(a.stdout, "Écrit : %s\n", p)
			}
		}
	}
	return nil
}

// writeOutput writes data to path atomically (a temporary file renamed),
// or to stdout for "-".
func writeOutput(a *app, path string, data []byte) error {
	if path == "-" {
		_, err := a.stdout.Write(data)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".veille-report-*")
	if err != nil {
		return fmt.Errorf("écriture de %s : %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("écriture de %s : %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("écriture de %s : %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("écriture de %s : %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("écriture de %s : %w", path, err)
	}
	return nil
}
