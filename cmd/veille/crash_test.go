//go:build slow

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cner/veille/internal/corpus"
	"github.com/cner/veille/internal/model"
	"github.com/cner/veille/internal/store"
)

// TestCrashBetweenStoreAndIndex kills, with SIGKILL at random moments, a
// process that stores clippings, changes and excludes some, and keeps the
// index in sync. After each kill, the next start must leave the store and
// the index in agreement (veille check finds nothing), whatever the moment.
func TestCrashBetweenStoreAndIndex(t *testing.T) {
	if dir := os.Getenv("VEILLE_CRASH_CHILD"); dir != "" {
		crashChild(t, dir)
		return
	}
	ctx := context.Background()
	dir := t.TempDir()
	c, err := corpus.New(corpus.Options{N: 10})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "veille.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := corpus.Load(ctx, st, c, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()
	rng := rand.New(rand.NewPCG(11, 11))
	for round := 0; round < 6; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashBetweenStoreAndIndex$", "-test.count=1")
		cmd.Env = append(os.Environ(), "VEILLE_CRASH_CHILD="+dir, "VEILLE_CRASH_ROUND="+strconv.Itoa(round))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(1500+rng.IntN(2500)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		out, errOut, err := run(t, "--data", dir, "check")
		if err != nil || !strings.Contains(out, "[ok] index") || !strings.Contains(out, "[ok] totaux") {
			t.Fatalf("round %d: after a kill, the next start left drift (%v):\n%s\n%s", round, err, out, errOut)
		}
		t.Logf("round %d: %s", round, strings.SplitN(out, "\n", 2)[0])
	}
}

// crashChild stores, edits and indexes clippings until killed.
func crashChild(t *testing.T, dir string) {
	ctx := context.Background()
	round, _ := strconv.Atoi(os.Getenv("VEILLE_CRASH_ROUND"))
	a := &app{stdout: os.Stdout, stderr: os.Stderr, lookupEnv: func(string) (string, bool) { return "", false },
		dataDir: dir, logger: discardLogger()}
	e, err := a.openFromFlags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(round), 99))
	for i := 0; ; i++ {
		url := fmt.Sprintf("https://titre-%02d.example.fr/crash/%d/%d", 1+i%60, round, i)
		ms := []model.Mention{{EntityID: "cner", EntityKind: model.KindFederation, Alias: "CNER", Matched: "CNER"}}
		res, err := e.st.SaveArticle(ctx, store.ArticleInput{URL: url, OutletID: fmt.Sprintf("titre-%02d", 1+i%60),
			Article:   &model.Article{Title: fmt.Sprint("Le CNER, épisode ", i), Text: "Le CNER et les agences.", Published: time.Now()},
			FetchedAt: time.Now(), Mentions: ms})
		if err != nil {
			t.Fatal(err)
		}
		switch rng.IntN(5) {
		case 0:
			e.st.Exclude(ctx, res.ID, "faux positif", time.Now())
		case 1:
			e.st.ReplaceMentions(ctx, res.ID, nil, time.Now())
		}
		if i%7 == 0 {
			if _, err := e.pl.SyncIndex(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestCrashDuringReindex kills, with SIGKILL at random moments, a process
// that rebuilds the index again and again (veille reindex): the kill lands
// while the old index is removed, while the new one is created, or while
// it is filled. The next start must rebuild whatever was left into an
// index that agrees with the store. CI once caught a kill during the
// removal that left the index directory without its metadata (every
// command then failed until the directory was deleted by hand); that
// window lasts microseconds, so random kills here rarely land in it:
// TestOpenBrokenIndex and TestIndexRebuiltFromTheStore recreate those
// states on purpose.
func TestCrashDuringReindex(t *testing.T) {
	if dir := os.Getenv("VEILLE_REINDEX_CHILD"); dir != "" {
		for {
			mustRun(t, "--data", dir, "reindex")
		}
	}
	dir, _ := corpusDir(t, 2000)
	rng := rand.New(rand.NewPCG(12, 12))
	for round := 0; round < 16; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDuringReindex$", "-test.count=1")
		cmd.Env = append(os.Environ(), "VEILLE_REINDEX_CHILD="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(20+rng.IntN(1500)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		out, errOut, err := run(t, "--data", dir, "check")
		if err != nil || !strings.Contains(out, "[ok] index : 2000 retombées dans le stock, 2000 dans l'index") {
			t.Fatalf("round %d: after a kill during reindex, the next start did not rebuild the index (%v):\n%s\n%s", round, err, out, errOut)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "index.bleve.") {
			t.Logf("left beside the index after the last kill: %s (deleted at the next rebuild)", e.Name())
		}
	}
}
