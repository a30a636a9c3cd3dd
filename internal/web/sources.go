package web

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/cner/veille/internal/store"
)

type sourceRow struct {
	store.Source
	OutletName string
	KindName   string
	Status     string // ok, error, never, inactive
	StatusText string
}

type sourcesData struct {
	Rows     []sourceRow
	All      bool
	Failing  int
	Never    int
	OK       int
	Inactive int
	CSVURL   string
	AllURL   string
}

func sourceKindName(k string) string {
	switch k {
	case store.SourceFeed:
		return "flux"
	case store.SourceSitemap:
		return "plan de site"
	case store.SourceCrawl:
		return "exploration"
	case store.SourceArchive:
		return "archives"
	case "manual":
		return "ajout manuel"
	}
	return k
}

// sourceRows lists the sources, those in error first, then by outlet.
func (s *Server) sourceRows(r *http.Request, all bool) ([]sourceRow, error) {
	srcs, err := s.st.Sources(r.Context(), all)
	if err != nil {
		return nil, err
	}
	names, err := s.st.OutletNames(r.Context())
	if err != nil {
		return nil, err
	}
	rows := make([]sourceRow, 0, len(srcs))
	for _, src := range srcs {
		row := sourceRow{Source: src, OutletName: names[src.OutletID], KindName: sourceKindName(src.Kind)}
		if row.OutletName == "" {
			row.OutletName = src.OutletID
		}
		switch {
		case !src.Active:
			row.Status, row.StatusText = "inactive", "retirée de la configuration"
		case src.ConsecutiveFailures > 0:
			row.Status = "error"
			row.StatusText = "en échec (" + strconv.Itoa(src.ConsecutiveFailures) + " fois de suite)"
		case src.LastCheckAt.IsZero():
			row.Status, row.StatusText = "never", "jamais vérifiée"
		default:
			row.Status, row.StatusText = "ok", "en bonne santé"
		}
		rows = append(rows, row)
	}
	rank := map[string]int{"error": 0, "never": 1, "ok": 2, "inactive": 3}
	sort.SliceStable(rows, func(i, j int) bool {
		if rank[rows[i].Status] != rank[rows[j].Status] {
			return rank[rows[i].Status] < rank[rows[j].Status]
		}
		return rows[i].OutletName < rows[j].OutletName
	})
	return rows, nil
}

func (s *Server) sources(w http.ResponseWriter, r *http.Request, sess *session) {
	all := r.URL.Query().Get("all") == "1"
	rows, err := s.sourceRows(r, all)
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	data := &sourcesData{Rows: rows, All: all, CSVURL: "/sources.csv", AllURL: "/sources?all=1"}
	if all {
		data.CSVURL, data.AllURL = "/sources.csv?all=1", "/sources"
	}
	for _, row := range rows {
		switch row.Status {
		case "error":
			data.Failing++
		case "never":
			data.Never++
		case "ok":
			data.OK++
		case "inactive":
			data.Inactive++
		}
	}
	s.render(w, r, http.StatusOK, "sources", &view{Title: "Sources", Nav: "sources", User: sess.User, Data: data})
}

func (s *Server) sourcesCSV(w http.ResponseWriter, r *http.Request, sess *session) {
	rows, err := s.sourceRows(r, r.URL.Query().Get("all") == "1")
	if err != nil {
		s.serverError(w, r, sess, err)
		return
	}
	stamp := func(t interface{ IsZero() bool }, v string) string {
		if t.IsZero() {
			return ""
		}
		return v
	}
	out := make([][]string, 0, len(rows))
	for _, row := range rows {
		out = append(out, []string{row.OutletID, row.OutletName, row.KindName, row.URL, row.StatusText,
			stamp(row.LastSuccessAt, s.dateTimeFR(row.LastSuccessAt)),
			stamp(row.LastErrorAt, s.dateTimeFR(row.LastErrorAt)), row.LastError,
			stamp(row.NextCheckAt, s.dateTimeFR(row.NextCheckAt)),
			strconv.Itoa(row.ConsecutiveFailures), strconv.Itoa(row.Checks), strconv.Itoa(row.NotModified)})
	}
	writeCSV(w, "sources.csv", []string{"titre", "nom", "type", "adresse", "état", "dernier succès",
		"dernière erreur le", "dernière erreur", "prochaine vérification", "échecs consécutifs", "vérifications",
		"non modifiées (304)"}, out)
}
