"""ringwatch: app."""
