package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// signalContext is main's: it ends on SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
