"""A fleet's results: many hosts' osquery logs read in one pass, each host classified as a single scan would."""
