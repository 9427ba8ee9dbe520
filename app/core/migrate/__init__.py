"""Migration: the plan, the staged download, the steps, and the journal and state that make a run resumable."""
