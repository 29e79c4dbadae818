"""ringwatch: command line and settings."""
