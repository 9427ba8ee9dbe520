"""What Offramp exports for other engines: the osquery pack."""
