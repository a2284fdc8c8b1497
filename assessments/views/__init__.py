"""Register pages. Thin: read through selectors, write through services."""
