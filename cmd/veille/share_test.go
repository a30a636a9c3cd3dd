package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/index"
	"github.com/cner/veille/internal/store"
)

// openHolder opens dir's store and index in this process, as veille run
// does: other commands then find the index held.
func openHolder(ctx context.Context, t *testing.T, dir string) *engine {
	t.Helper()
	a := &app{stdout: os.Stdout, stderr: os.Stderr, lookupEnv: func(string) (string, bool) { return "", false }, dataDir: dir}
	a.logger = discardLogger()
	e, err := a.openFromFlags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestCommandsBesideTheIndexHolder: while one process holds the index (as
// veille run, serve and demo do), search is answered by that process,
// count and report read the store, and a command that needs the index for
// itself fails at once with a clear message instead of waiting for ever.
// Nothing stored is touched by the refusals.
func TestCommandsBesideTheIndexHolder(t *testing.T) {
	dir, _ := corpusDir(t, 400)
	alone := countJSON(t, dir, "--year", "2021")
	var aloneSearch searchResult
	if err := json.Unmarshal([]byte(mustRun(t, "--data", dir, "search", "--json", "--limit", "5", "agence")), &aloneSearch); err != nil {
		t.Fatal(err)
	}
	if aloneSearch.Total == 0 {
		t.Fatal("the corpus should hold 'agence'")
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	holder := openHolder(ctx, t, dir)
	held := true
	defer func() {
		if held {
			holder.Close()
		}
	}()
	stopSharing := holder.shareIndex(ctx)

	// search goes through the holder and gives what it gave alone.
	var beside searchResult
	if err := json.Unmarshal([]byte(mustRun(t, "--data", dir, "search", "--json", "--limit", "5", "agence")), &beside); err != nil {
		t.Fatal(err)
	}
	if beside.Total != aloneSearch.Total || len(beside.Hits) != len(aloneSearch.Hits) || beside.Hits[0].ID != aloneSearch.Hits[0].ID {
		t.Errorf("search beside the holder: %d hits (first %d), alone: %d (first %d)",
			beside.Total, beside.Hits[0].ID, aloneSearch.Total, aloneSearch.Hits[0].ID)
	}
	// The holder's refusal of a query reaches the user as the usual message.
	_, _, err := run(t, "--data", dir, "search", `"agence`)
	if err == nil || !strings.Contains(err.Error(), "guillemet") {
		t.Errorf("unbalanced quote through the holder: %v", err)
	}
	// Counts read the store.
	if got := countJSON(t, dir, "--year", "2021"); got.Total != alone.Total || got.Sentence != alone.Sentence {
		t.Errorf("count beside the holder: %d %q, alone: %d %q", got.Total, got.Sentence, alone.Total, alone.Sentence)
	}
	// check reads the index through the holder: sound, then a clipping
	// lost from the index is found (it persists past the second reading)
	// and not repaired from here.
	out := mustRun(t, "--data", dir, "check")
	if !strings.Contains(out, "[ok] index") || !strings.Contains(out, "à travers le processus veille qui tient l'index") {
		t.Errorf("check beside the holder:\n%s", out)
	}
	lost := aloneSearch.Hits[0].ID
	if err := holder.ix.Apply(ctx, nil, []int64{lost}); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, "--data", dir, "check")
	if err == nil || !strings.Contains(out, fmt.Sprintf("retombée %d absente de l'index", lost)) {
		t.Errorf("check beside the holder missed a lost clipping (%v):\n%s", err, out)
	}
	out, _, err = run(t, "--data", dir, "check", "--repair")
	if err == nil || !strings.Contains(out, "arrêtez le processus veille qui le tient") {
		t.Errorf("check --repair beside the holder (%v):\n%s", err, out)
	}
	// A command that needs the index itself is told who has it.
	_, _, err = run(t, "--data", dir, "reindex")
	if !errors.Is(err, index.ErrInUse) || !strings.Contains(err.Error(), "ouvert par un autre processus veille") {
		t.Errorf("reindex beside the holder: %v", err)
	}

	// Once the holder stops answering (its socket left behind, as after a
	// SIGKILL), search says the index is busy instead of hanging.
	stopSharing()
	if err := os.WriteFile(socketPath(dir), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = run(t, "--data", dir, "search", "agence")
	if !errors.Is(err, index.ErrInUse) {
		t.Errorf("search with a dead socket and a held index: %v", err)
	}
	if _, _, err = run(t, "--data", dir, "check"); !errors.Is(err, index.ErrInUse) {
		t.Errorf("check with a dead socket and a held index: %v", err)
	}
	held = false
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	// Released: everything works again, on the same data.
	var after searchResult
	if err := json.Unmarshal([]byte(mustRun(t, "--data", dir, "search", "--json", "--limit", "5", "agence")), &after); err != nil {
		t.Fatal(err)
	}
	if after.Total != aloneSearch.Total-1 {
		t.Errorf("after the holder closed: %d hits, want %d (one clipping lost from the index)", after.Total, aloneSearch.Total-1)
	}
	// Alone, check repairs the index.
	if out := mustRun(t, "--data", dir, "check", "--repair"); !strings.Contains(out, "[corrigé] index") {
		t.Errorf("check --repair alone:\n%s", out)
	}
	if err := json.Unmarshal([]byte(mustRun(t, "--data", dir, "search", "--json", "--limit", "5", "agence")), &after); err != nil {
		t.Fatal(err)
	}
	if after.Total != aloneSearch.Total {
		t.Errorf("after the repair: %d hits, want %d", after.Total, aloneSearch.Total)
	}
}

// TestHolderFollowsTheStore: what another process stores beside the holder
// (veille add, backfill: the store only) reaches the holder's index.
func TestHolderFollowsTheStore(t *testing.T) {
	dir, _ := corpusDir(t, 50)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	holder := openHolder(ctx, t, dir)
	defer holder.Close()
	var ids []int64
	if err := holder.ix.EachID(ctx, func(id int64) error { ids = append(ids, id); return nil }); err != nil || len(ids) == 0 {
		t.Fatalf("ids: %v %v", ids, err)
	}
	lost := ids[0]
	if err := holder.ix.Apply(ctx, nil, []int64{lost}); err != nil {
		t.Fatal(err)
	}
	followed := make(chan struct{})
	fctx, stopFollow := context.WithCancel(ctx)
	go func() {
		defer close(followed)
		holder.pl.FollowStore(fctx, 50*time.Millisecond)
	}()
	defer func() { stopFollow(); <-followed }()

	// Another process marks the article for indexing, as a store write does.
	other, err := store.Open(ctx, storePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := other.RequeueIndex(ctx, []int64{lost}); err != nil {
		t.Fatal(err)
	}
	other.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ok, err := holder.ix.Has(lost); err != nil {
			t.Fatal(err)
		} else if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("clipping %d, stored by another process, not indexed by the holder within 10 s", lost)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
