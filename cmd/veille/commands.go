package main

// commands lists every subcommand. Each is defined in its own file.
func commands() []command {
	return []command{
		configCmd(),
		demoCmd(),
		crawlCmd(),
		runCmd(),
		backfillCmd(),
		addCmd(),
		sourcesCmd(),
		countCmd(),
		searchCmd(),
		extractCmd(),
		reindexCmd(),
		reportCmd(),
		checkCmd(),
		rematchCmd(),
		backupCmd(),
		restoreCmd(),
		evalCmd(),
		serveCmd(),
		passwdCmd(),
		digestCmd(),
		watchCmd(),
	}
}
