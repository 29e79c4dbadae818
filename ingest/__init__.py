"""ringwatch: ingest."""
