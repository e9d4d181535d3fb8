"""The codebook: the tree of codes, its edits, its CSV import and export."""
