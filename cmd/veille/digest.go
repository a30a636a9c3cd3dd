package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cner/veille/config"
	"github.com/cner/veille/internal/digest"
	"github.com/cner/veille/internal/store"
)

func digestCmd() command {
	return command{
		name:    "digest",
		summary: "la synthèse quotidienne par e-mail : aperçu, envoi immédiat, état des envois",
		usage:   "digest --preview [--recipient EMAIL] [--out FICHIER] | --send [--recipient EMAIL] | --status [--json]",
		run:     runDigest,
	}
}

func runDigest(ctx context.Context, a *app, args []string) error {
	fs := a.flags("digest")
	preview := fs.Bool("preview", false, "affiche ce qui serait envoyé maintenant (texte ici, HTML dans un fichier), sans rien envoyer ni noter")
	send := fs.Bool("send", false, "envoie maintenant à chaque destinataire ce qui lui est dû (d'abord les synthèses restées en attente)")
	status := fs.Bool("status", false, "état du registre des envois : synthèses envoyées, en attente, erreurs")
	recipient := fs.String("recipient", "", "un seul destinataire (son adresse, telle que dans digest.recipients)")
	out := fs.String("out", "", "--preview : fichier HTML où écrire l'aperçu (un dossier s'il y a plusieurs destinataires)")
	asJSON := fs.Bool("json", false, "--status : en JSON")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("digest : argument inattendu %q", rest[0])
	}
	n := 0
	for _, b := range []bool{*preview, *send, *status} {
		if b {
			n++
		}
	}
	if n != 1 {
		return usagef("digest : choisissez une action : --preview, --send ou --status")
	}
	if *out != "" && !*preview {
		return usagef("digest : --out ne sert qu'avec --preview")
	}
	if *asJSON && !*status {
		return usagef("digest : --json ne sert qu'avec --status")
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	if *recipient != "" && !hasRecipient(cfg, *recipient) {
		return usagef("digest : %q ne figure pas dans digest.recipients (%s)", *recipient, recipientList(cfg))
	}
	if *send && len(cfg.Digest.Recipients) == 0 {
		return fmt.Errorf("aucun destinataire : renseignez digest.recipients dans la configuration")
	}
	if *send && cfg.Digest.SMTP.Host == "" {
		return fmt.Errorf("digest.smtp.host est vide : renseignez le serveur SMTP dans la section digest.smtp")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("dossier de données %s : %w", cfg.DataDir, err)
	}
	st, err := store.Open(ctx, storePath(cfg.DataDir))
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := digest.New(cfg, st, digest.Options{Logger: a.logger})
	if err != nil {
		return err
	}
	switch {
	case *preview:
		return digestPreview(ctx, a, svc, *recipient, *out)
	case *send:
		return digestSend(ctx, a, svc, *recipient)
	default:
		return digestStatus(ctx, a, cfg, st, *recipient, *asJSON)
	}
}

func hasRecipient(cfg *config.Config, email string) bool {
	for _, r := range cfg.Digest.Recipients {
		if strings.EqualFold(r.Email, strings.TrimSpace(email)) {
			return true
		}
	}
	return false
}

func recipientList(cfg *config.Config) string {
	if len(cfg.Digest.Recipients) == 0 {
		return "la liste est vide"
	}
	var out []string
	for _, r := range cfg.Digest.Recipients {
		out = append(out, r.Email)
	}
	return "destinataires : " + strings.Join(out, ", ")
}

func digestPreview(ctx context.Context, a *app, svc *digest.Service, recipient, out string) error {
	previews, err := svc.Preview(ctx, recipient)
	if err != nil {
		return err
	}
	if len(svc.Recipients()) == 0 {
		fmt.Fprintln(a.stdout, "Aucun destinataire dans digest.recipients : aperçu d'une synthèse qui suit tout.")
	}
	paths, err := previewPaths(previews, out)
	if err != nil {
		return err
	}
	for i, p := range previews {
		if err := os.WriteFile(paths[i], []byte(p.Rendered.HTML), 0o600); err != nil {
			return fmt.Errorf("écriture de l'aperçu HTML : %w", err)
		}
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		to := p.Recipient.Email
		if p.Recipient.Name != "" {
			to = p.Recipient.Name + " <" + p.Recipient.Email + ">"
		}
		fmt.Fprintf(a.stdout, "À : %s\nObjet : %s\nHTML : %s\n", to, p.Rendered.Subject, paths[i])
		if p.Digest.Total == 0 {
			if p.Recipient.Empty == "send" {
				fmt.Fprintln(a.stdout, "Rien de nouveau : ce destinataire recevrait le message « aucune retombée » (empty: send).")
			} else {
				fmt.Fprintln(a.stdout, "Rien de nouveau : rien ne serait envoyé à ce destinataire (empty: skip).")
			}
		}
		for _, run := range p.Pending {
			fmt.Fprintf(a.stdout, "En attente d'envoi : synthèse %s (%d retombées), %s\n", run.Slot, len(run.ArticleIDs), pendingState(run))
		}
		fmt.Fprintln(a.stdout, strings.Repeat("-", 72))
		io.WriteString(a.stdout, p.Rendered.Text)
	}
	return nil
}

// previewPaths decides where each HTML preview goes: --out itself for one
// recipient, --out/<email>.html for several, a new temporary directory
// without --out.
func previewPaths(previews []digest.Preview, out string) ([]string, error) {
	dir := out
	switch {
	case out == "":
		d, err := os.MkdirTemp("", "veille-apercu-")
		if err != nil {
			return nil, fmt.Errorf("dossier de l'aperçu : %w", err)
		}
		dir = d
	case len(previews) == 1:
		if st, err := os.Stat(out); err != nil || !st.IsDir() {
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return nil, fmt.Errorf("dossier de l'aperçu : %w", err)
			}
			return []string{out}, nil
		}
	default:
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, fmt.Errorf("--out %s : avec plusieurs destinataires, --out est un dossier : %w", out, err)
		}
	}
	paths := make([]string, len(previews))
	for i, p := range previews {
		name := strings.Map(func(r rune) rune {
			if r == '/' || r == '\\' || r == 0 {
				return '_'
			}
			return r
		}, strings.ToLower(p.Recipient.Email))
		paths[i] = filepath.Join(dir, name+".html")
	}
	return paths, nil
}

func pendingState(run store.DigestRun) string {
	if run.Attempts == 0 {
		return "pas encore tentée"
	}
	s := fmt.Sprintf("%d %s", run.Attempts, map[bool]string{true: "tentative", false: "tentatives"}[run.Attempts == 1])
	if run.LastError != "" {
		s += ", dernière erreur : " + run.LastError
	}
	if !run.NextAttemptAt.IsZero() && run.NextAttemptAt.Unix() > 0 {
		s += ", prochain essai à partir de " + run.NextAttemptAt.Local().Format("02/01/2006 15:04")
	}
	return s
}

func digestSend(ctx context.Context, a *app, svc *digest.Service, recipient string) error {
	results, err := svc.SendNow(ctx, recipient)
	failed := 0
	for _, r := range results {
		who := r.Recipient.Email
		switch r.Outcome {
		case digest.OutcomeSent:
			what := "synthèse envoyée"
			if r.Retry {
				what = "synthèse en attente renvoyée (même Message-ID)"
			}
			fmt.Fprintf(a.stdout, "%s : %s, %d %s.\n", who, what, r.Clippings, digestPlural(r.Clippings, "retombée", "retombées"))
		case digest.OutcomeSkipped:
			fmt.Fprintf(a.stdout, "%s : rien de nouveau, rien envoyé.\n", who)
		case digest.OutcomeBusy:
			failed++
			fmt.Fprintf(a.stdout, "%s : synthèse %s en cours d'envoi par un autre processus (ou interrompue il y a moins de %d minutes) : réessayez plus tard.\n",
				who, r.Run.Slot, int((2 * digest.DefaultTimeout).Minutes()))
		default:
			failed++
			fmt.Fprintf(a.stdout, "%s : échec de l'envoi (%v). La synthèse reste due : veille run ou veille digest --send la renverra.\n", who, r.Err)
		}
	}
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d %s non %s", failed, digestPlural(failed, "synthèse", "synthèses"), digestPlural(failed, "envoyée", "envoyées"))
	}
	return nil
}

func digestPlural(n int, one, many string) string {
	if n <= 1 {
		return one
	}
	return many
}

// digestRunJSON is a ledger entry in veille digest --status --json.
type digestRunJSON struct {
	Recipient     string  `json:"recipient"`
	Slot          string  `json:"slot"`
	State         string  `json:"state"`
	MessageID     string  `json:"message_id"`
	Clippings     []int64 `json:"clippings"`
	CreatedAt     string  `json:"created_at"`
	Attempts      int     `json:"attempts"`
	SentAt        string  `json:"sent_at,omitempty"`
	LastError     string  `json:"last_error,omitempty"`
	NextAttemptAt string  `json:"next_attempt_at,omitempty"`
}

func digestStatus(ctx context.Context, a *app, cfg *config.Config, st *store.Store, recipient string, asJSON bool) error {
	runs, err := st.DigestRuns(ctx, recipient, false, 50)
	if err != nil {
		return err
	}
	pending, err := st.DigestRuns(ctx, recipient, true, 0)
	if err != nil {
		return err
	}
	// The last 50, plus any older one still pending.
	seen := map[int64]bool{}
	for _, r := range runs {
		seen[r.ID] = true
	}
	for _, r := range pending {
		if !seen[r.ID] {
			runs = append([]store.DigestRun{r}, runs...)
		}
	}
	loc := cfg.Location()
	stamp := func(t time.Time) string {
		if t.IsZero() || t.Unix() <= 0 {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	if asJSON {
		out := make([]digestRunJSON, 0, len(runs))
		for _, r := range runs {
			j := digestRunJSON{Recipient: r.Recipient, Slot: r.Slot, State: r.State, MessageID: r.MessageID,
				Clippings: r.ArticleIDs, CreatedAt: stamp(r.CreatedAt), Attempts: r.Attempts, SentAt: stamp(r.SentAt),
				LastError: r.LastError}
			if r.State == store.DigestPending {
				j.NextAttemptAt = stamp(r.NextAttemptAt)
			}
			if j.Clippings == nil {
				j.Clippings = []int64{}
			}
			out = append(out, j)
		}
		return writeJSON(a.stdout, out)
	}
	if len(runs) == 0 {
		fmt.Fprintln(a.stdout, "Aucune synthèse dans le registre.")
		return nil
	}
	states := map[string]string{store.DigestSent: "envoyée", store.DigestPending: "EN ATTENTE", store.DigestSkipped: "rien à envoyer"}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DESTINATAIRE\tSYNTHÈSE\tÉTAT\tRETOMBÉES\tTENTATIVES\tENVOYÉE LE\tERREUR")
	for _, r := range runs {
		sent := ""
		if !r.SentAt.IsZero() {
			sent = r.SentAt.In(loc).Format("02/01/2006 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", r.Recipient, r.Slot, states[r.State], len(r.ArticleIDs), r.Attempts, sent, r.LastError)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(pending) > 0 {
		fmt.Fprintf(a.stdout, "\n%d %s en attente : veille run les renvoie (ou veille digest --send).\n", len(pending),
			digestPlural(len(pending), "synthèse", "synthèses"))
	}
	return nil
}
