package match

import (
	"fmt"
	"testing"
	"time"

	"github.com/cner/veille/config"
)

func TestSmoke(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg.Entities())
	if err != nil {
		t.Fatal(err)
	}
	d := Doc{Title: "Le Cner réunit ses agences au forum DEV&CO22 à Nancy",
		Lead: "Lorr’Up co-organise l'événement avec le CNER.",
		Body: "Selon l'Aderly et d'AD'OCC, le président du CNER a salué la démarche. « Les agences sont là », explique Frédéric Cuvillier. Voir www.cner-france.com ou cner.lu. L'ADN normand est fort. Invest in Reims aussi.\n\nLire aussi : Nord France Invest recrute",
		Published: time.Date(2022, 10, 13, 0, 0, 0, 0, time.UTC)}
	for _, mm := range m.Match(d) {
		fmt.Printf("%+v\n", mm)
	}
	for _, x := range m.Explain(d) {
		fmt.Printf("%s %q %v %s\n", x.EntityID, x.Matched, x.Kept, x.Detail)
	}
}
