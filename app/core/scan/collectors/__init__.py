"""Collectors: turn a machine (or a mounted system) into an inventory of osquery-shaped rows."""
