// Command veille watches the press for mentions of the CNER, its brands,
// its leaders and its member agencies. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Europe/Paris on machines without a zoneinfo database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var u *usageError
		if errors.As(err, &u) {
			fmt.Fprintf(os.Stderr, "veille : %v\n", err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "veille : erreur : %v\n", err)
		os.Exit(1)
	}
}
