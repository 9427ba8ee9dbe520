"""The migration engine: runs a plan step by step, journaled and resumable after a crash or a restart."""
