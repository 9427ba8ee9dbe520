"""Offramp's core: everything the wizard and the command line share. Never imports Qt."""
