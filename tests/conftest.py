"""Shared fixtures. Integration tests need the real stack (`ringwatch stack up`, or
NEO4J_*/KAFKA_* pointing at servers of your own); they are skipped with a clear reason when
it is not reachable only if RINGWATCH_ALLOW_SKIP=1 is set, and fail otherwise, so that CI
never passes by skipping."""
