"""The audit log page: what changed in a study, by whom, exported, and restored."""
