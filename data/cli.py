"""`ringwatch generate`: placeholder until the generator lands (issue 3)."""
