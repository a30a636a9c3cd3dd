package main

// commands lists every subcommand. Each is defined in its own file.
func commands() []command {
	return []command{
		configCmd(),
		demoCmd(),
		crawlCmd(),
		countCmd(),
		searchCmd(),
		extractCmd(),
		reindexCmd(),
		rematchCmd(),
		backupCmd(),
		restoreCmd(),
		evalCmd(),
	}
}
