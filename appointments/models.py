"""Models of the appointments app (filled in by later issues)."""
