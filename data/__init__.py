"""ringwatch: data."""
