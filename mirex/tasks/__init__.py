"""Tasks learnt on song features, and the typed records they keep in the scratch folder."""
