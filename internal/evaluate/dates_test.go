package evaluate

import (
	"context"
	"testing"
)

func TestDatesSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := evalDir(t, "dates")
	rep, err := Dates(context.Background(), dir, nil, DatesOptions{Limit: 60})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pages != 60 || rep.TP+rep.FP+rep.FN != 60 || rep.Accuracy < 0.8 {
		t.Errorf("report %+v", rep)
	}
	if rep.Accuracy != float64(rep.TP)/60 {
		t.Errorf("accuracy %v is not tp/pages", rep.Accuracy)
	}
}
