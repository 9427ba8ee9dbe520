"""Custom-drawn widgets used by Offramp's windows."""
