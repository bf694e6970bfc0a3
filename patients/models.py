"""Models of the patients app (filled in by later issues)."""
