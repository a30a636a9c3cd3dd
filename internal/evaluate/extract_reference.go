package evaluate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// ReferenceScore rescores a published extractor's output
// (reference-outputs/<tool>.json of the benchmark) with ShinglePR: it checks
// that this package's measure reproduces the published table.
func ReferenceScore(ctx context.Context, dir, tool string) (ExtractionReport, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "reference-outputs", tool+".json"))
	if err != nil {
		return ExtractionReport{}, fmt.Errorf("evaluate: %w", err)
	}
	type body struct {
		ArticleBody string `json:"articleBody"`
	}
	var wrapped struct {
		Output map[string]body `json:"output"`
	}
	var out map[string]body
	if err := json.Unmarshal(raw, &wrapped); err == nil && wrapped.Output != nil {
		out = wrapped.Output
	} else if err := json.Unmarshal(raw, &out); err != nil {
		return ExtractionReport{}, fmt.Errorf("evaluate: %s: %w", tool, err)
	}
	pages, err := loadGroundTruth(dir)
	if err != nil {
		return ExtractionReport{}, err
	}
	ids := make([]string, 0, len(pages))
	for id := range pages {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	rep := ExtractionReport{Extractor: tool, Pages: len(ids)}
	var sumP, sumR float64
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("evaluate: %w", err)
		}
		p, r := ShinglePR(pages[id], out[id].ArticleBody)
		sumP += p
		sumR += r
	}
	if n := float64(len(ids)); n > 0 {
		rep.Precision, rep.Recall = sumP/n, sumR/n
		rep.F1 = f1(rep.Precision, rep.Recall)
	}
	return rep, nil
}

func loadGroundTruth(dir string) (map[string]string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	var gt map[string]struct {
		ArticleBody string `json:"articleBody"`
	}
	if err := json.Unmarshal(raw, &gt); err != nil {
		return nil, fmt.Errorf("evaluate: ground-truth.json: %w", err)
	}
	out := make(map[string]string, len(gt))
	for id, v := range gt {
		out[id] = v.ArticleBody
	}
	return out, nil
}
