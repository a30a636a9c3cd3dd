package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cner/veille/index"
)

// bleve lets one process open an index. The processes that hold it for long
// (veille run, serve, demo) answer the searches of the others on a Unix
// socket in the data directory (mode 0700, so only its owner reaches it):
// `veille search` then works beside the daemon. Counts and reports read the
// store, which any number of processes may open.

func socketPath(dataDir string) string { return filepath.Join(dataDir, "veille.sock") }

// maxSocketPath is the longest path a Unix socket accepts on Linux and the
// BSDs (sun_path, terminating zero included).
const maxSocketPath = 103

// errNoHolder: no process answers on the data directory's socket.
var errNoHolder = errors.New("no veille process answers on the search socket")

// indexBusyError is what people read when another process holds the index.
type indexBusyError struct{ dataDir string }

func (e indexBusyError) Error() string {
	return "l'index de recherche de " + e.dataDir + " est ouvert par un autre processus veille (run, serve, demo, crawl, reindex…) : " +
		"arrêtez-le ou attendez qu'il finisse. À côté de lui fonctionnent count, report, sources, add, backfill, backup " +
		"et search (quand c'est run, serve ou demo qui tient l'index)"
}

func (e indexBusyError) Unwrap() error { return index.ErrInUse }

// shareIndex answers other processes' searches on the data directory's
// socket until ctx ends or the returned stop is called. Failing to listen
// is not fatal: the process works, and the others are told the index is busy.
func (e *engine) shareIndex(ctx context.Context) (stop func()) {
	path := socketPath(e.cfg.DataDir)
	if len(path) > maxSocketPath {
		e.log.Warn("data directory path too long for a socket: other veille commands cannot search while this one runs", "path", path)
		return func() {}
	}
	// This process holds the index, so a socket left here is a dead
	// holder's (killed before it could remove it).
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		e.log.Warn("removing a stale search socket", "path", path, "err", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		e.log.Warn("cannot share the index with other veille commands", "path", path, "err", err)
		return func() {}
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		e.log.Warn("cannot share the index with other veille commands", "path", path, "err", err)
		return func() {}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /search", e.handleSharedSearch)
	mux.HandleFunc("GET /ids", e.handleSharedIDs)
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("search socket", "err", err)
		}
	}()
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-stopped:
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
	}()
	return func() {
		select {
		case <-stopped:
		default:
			close(stopped)
		}
		<-done
	}
}

// sharedError is the socket's answer to a search that failed.
type sharedError struct {
	Query   *index.QueryError `json:"query_error,omitempty"`
	Message string            `json:"message,omitempty"`
}

func (e *engine) handleSharedSearch(w http.ResponseWriter, r *http.Request) {
	var q index.Query
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&q); err != nil {
		writeSharedError(w, http.StatusBadRequest, sharedError{Message: "requête illisible : " + err.Error()})
		return
	}
	res, err := e.ix.Search(r.Context(), q)
	var qe *index.QueryError
	switch {
	case errors.As(err, &qe):
		writeSharedError(w, http.StatusUnprocessableEntity, sharedError{Query: qe})
		return
	case err != nil:
		e.log.Error("shared search", "query", q.Text, "err", err)
		writeSharedError(w, http.StatusInternalServerError, sharedError{Message: err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(res); err != nil {
		e.log.Warn("shared search: writing the answer", "err", err)
	}
}

// handleSharedIDs lists the index's document ids, one per line (veille
// check beside the holder).
func (e *engine) handleSharedIDs(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	bw := bufio.NewWriter(w)
	err := e.ix.EachID(r.Context(), func(id int64) error {
		_, err := bw.WriteString(strconv.FormatInt(id, 10) + "\n")
		return err
	})
	if err == nil {
		_, err = bw.WriteString("fin\n") // a cut answer lacks it
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		e.log.Warn("shared ids: writing the answer", "err", err)
	}
}

func writeSharedError(w http.ResponseWriter, status int, se sharedError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(se) // the asker sees a cut answer as an error
}

// askIndexHolder runs q in the process that holds dataDir's index. It
// returns errNoHolder when no process answers there, and the holder's
// *index.QueryError for a query it refuses.
func askIndexHolder(ctx context.Context, dataDir string, q index.Query) (*index.Results, error) {
	client := heldIndex{dataDir}.dial()
	defer client.CloseIdleConnections()
	body, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://veille/search", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("recherche confiée au processus veille qui tient l'index : %w", err)
		}
		return nil, fmt.Errorf("%w: %w", errNoHolder, err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode != http.StatusOK {
		var se sharedError
		if err := dec.Decode(&se); err != nil {
			return nil, fmt.Errorf("recherche confiée au processus veille qui tient l'index : réponse %s illisible : %w", resp.Status, err)
		}
		if se.Query != nil {
			return nil, se.Query
		}
		return nil, fmt.Errorf("recherche confiée au processus veille qui tient l'index : %s", se.Message)
	}
	var res index.Results
	if err := dec.Decode(&res); err != nil {
		return nil, fmt.Errorf("recherche confiée au processus veille qui tient l'index : réponse illisible : %w", err)
	}
	return &res, nil
}

// heldIndex is the index as seen through the process that holds it: what
// veille check reads of it beside the daemon.
type heldIndex struct{ dataDir string }

func (h heldIndex) dial() *http.Client {
	path := socketPath(h.dataDir)
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
}

// answers reports whether a process answers on the data directory's socket.
func (h heldIndex) answers(ctx context.Context) bool {
	client := h.dial()
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://veille/ping", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusNoContent
}

// EachID calls fn with every document id of the held index.
func (h heldIndex) EachID(ctx context.Context, fn func(id int64) error) error {
	client := h.dial()
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://veille/ids", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("%w: %w", errNoHolder, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("identifiants de l'index demandés au processus qui le tient : réponse %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if sc.Text() == "fin" {
			return nil
		}
		id, err := strconv.ParseInt(sc.Text(), 10, 64)
		if err != nil {
			return fmt.Errorf("identifiants de l'index demandés au processus qui le tient : %q : %w", sc.Text(), err)
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("identifiants de l'index demandés au processus qui le tient : %w", err)
	}
	return errors.New("identifiants de l'index demandés au processus qui le tient : réponse incomplète")
}

// Counts is index.Index.Counts answered by the holder.
func (h heldIndex) Counts(ctx context.Context, q index.Query) (uint64, map[string][]index.FacetCount, error) {
	q.Size, q.Offset, q.Facets = -1, 0, true
	res, err := askIndexHolder(ctx, h.dataDir, q)
	if err != nil {
		return 0, nil, err
	}
	return res.Total, res.Facets, nil
}
