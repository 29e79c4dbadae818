"""ringwatch: detectors."""
