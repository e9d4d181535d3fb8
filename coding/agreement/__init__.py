"""Inter-coder agreement: the engine (by measure family), the report, its exports and views."""
