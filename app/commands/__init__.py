"""Command handlers behind `offramp SUBCOMMAND`: each takes parsed arguments and returns an exit status."""
