"""ringwatch: gnn."""
