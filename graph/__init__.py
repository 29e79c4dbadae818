"""ringwatch: graph."""
