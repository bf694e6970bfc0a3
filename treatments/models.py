"""Models of the treatments app (filled in by later issues)."""
