"""Scanning: an osquery-shaped inventory of the machine, matched against the catalogue into findings."""
