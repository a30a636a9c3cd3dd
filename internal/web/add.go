package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cner/veille/crawler"
	"github.com/cner/veille/internal/pipeline"
)

type outletOption struct {
	ID   string
	Name string
}

type addData struct {
	URL       string
	Outlet    string
	Published string
	Outlets   []outletOption
}

func (s *Server) outletOptions() []outletOption {
	out := make([]outletOption, 0, len(s.cfg.Outlets))
	for _, o := range s.cfg.Outlets {
		out = append(out, outletOption{ID: o.ID, Name: o.Name})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

func (s *Server) addForm(w http.ResponseWriter, r *http.Request, sess *session) {
	data := &addData{Outlets: s.outletOptions(), URL: strings.TrimSpace(r.URL.Query().Get("url"))}
	s.render(w, r, http.StatusOK, "add", &view{Title: "Ajouter une retombée", Nav: "add", User: sess.User, Data: data})
}

// add fetches a page given by its address and runs it through the
// pipeline (the manual add of the crawler, with its guard against private
// addresses), then shows the clipping.
func (s *Server) add(w http.ResponseWriter, r *http.Request, sess *session) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, sess, http.StatusBadRequest, "Formulaire illisible.")
		return
	}
	data := &addData{
		Outlets:   s.outletOptions(),
		URL:       strings.TrimSpace(r.PostForm.Get("url")),
		Outlet:    strings.TrimSpace(r.PostForm.Get("outlet")),
		Published: strings.TrimSpace(r.PostForm.Get("published")),
	}
	v := &view{Title: "Ajouter une retombée", Nav: "add", User: sess.User, Data: data}
	fail := func(status int, msg string) {
		v.Error = msg
		s.render(w, r, status, "add", v)
	}
	u, err := url.Parse(data.URL)
	switch {
	case data.URL == "":
		fail(http.StatusBadRequest, "Saisissez l'adresse de l'article.")
		return
	case len(data.URL) > 2000:
		fail(http.StatusBadRequest, "Cette adresse est trop longue (2 000 caractères au plus).")
		return
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		fail(http.StatusBadRequest, "Cette adresse n'est pas celle d'une page web (http:// ou https://…).")
		return
	}
	if data.Outlet != "" {
		if _, ok := s.cfg.Outlet(data.Outlet); !ok {
			fail(http.StatusBadRequest, fmt.Sprintf("Titre de presse inconnu : « %s ».", data.Outlet))
			return
		}
	}
	var published time.Time
	if data.Published != "" {
		published, err = time.ParseInLocation("2006-01-02", data.Published, s.loc)
		if err != nil {
			fail(http.StatusBadRequest, fmt.Sprintf("Date de publication incorrecte : « %s » (AAAA-MM-JJ).", data.Published))
			return
		}
		if published.After(s.now()) {
			fail(http.StatusBadRequest, "La date de publication est dans le futur.")
			return
		}
	}
	res, err := s.addPage(r.Context(), data.URL, data.Outlet, published)
	if err != nil {
		if r.Context().Err() != nil {
			return
		}
		s.log.Warn("manual add failed", "url", data.URL, "user", sess.User, "error", err)
		fail(http.StatusUnprocessableEntity, "Impossible d'ajouter cette page : "+addErrorText(err))
		return
	}
	s.log.Info("clipping added by hand", "url", res.URL, "id", res.ID, "mentions", len(res.Mentions), "user", sess.User)
	s.facetCache.clear()
	ok := "added"
	switch {
	case res.Excluded:
		ok = "added-excluded"
	case len(res.Mentions) == 0:
		ok = "added-nomatch"
	}
	http.Redirect(w, r, "/clippings/"+strconv.FormatInt(res.ID, 10)+"?ok="+ok, http.StatusSeeOther)
}

// addPage is the pipeline's manual add: fetched with the guard against
// private addresses, extracted, matched, stored, then indexed.
func (s *Server) addPage(ctx context.Context, rawURL, outlet string, published time.Time) (*pipeline.Result, error) {
	return s.pl.Add(ctx, pipeline.AddRequest{URL: rawURL, OutletID: outlet, Published: published})
}

// addErrorText is the French reason an add failed.
func addErrorText(err error) string {
	switch {
	case errors.Is(err, pipeline.ErrRefusedAddress):
		return "cette adresse mène à un réseau privé ou réservé ; veille refuse de la lire (crawler.allow_private)."
	case errors.Is(err, pipeline.ErrInvalidURL):
		return "ce n'est pas une adresse http(s) valide."
	case errors.Is(err, pipeline.ErrNoOutlet):
		return "aucun titre de presse configuré n'a ce domaine : choisissez le titre dans la liste."
	case errors.Is(err, pipeline.ErrUnknownOutlet):
		return "ce titre de presse n'est pas dans la configuration."
	}
	var fe *crawler.FetchError
	if errors.As(err, &fe) {
		switch fe.Kind {
		case crawler.ErrKindStatus:
			if fe.Status == http.StatusNotFound || fe.Status == http.StatusGone {
				return fmt.Sprintf("la page n'existe pas (le site répond %d).", fe.Status)
			}
			return fmt.Sprintf("le site répond %d au lieu de la page.", fe.Status)
		case crawler.ErrKindTimeout:
			return "le site n'a pas répondu à temps ; réessayez plus tard."
		case crawler.ErrKindNetwork:
			return "le site est injoignable (réseau, nom de domaine ou connexion refusée)."
		case crawler.ErrKindTooLarge:
			return "la page est trop volumineuse (crawler.max_body_bytes)."
		case crawler.ErrKindRedirects:
			return "la page redirige en boucle ou trop de fois."
		case crawler.ErrKindNotHTML:
			return "l'adresse ne mène pas à une page web (PDF, image…)."
		case crawler.ErrKindForbidden:
			return "cette adresse mène à un réseau privé ou réservé ; veille refuse de la lire (crawler.allow_private)."
		case crawler.ErrKindInvalid:
			return "ce n'est pas une adresse http(s) valide."
		}
	}
	return "la page n'a pas pu être lue ni enregistrée (le détail est dans le journal du serveur)."
}
