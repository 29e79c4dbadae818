// Wait until every index and constraint is online (after an offline import, the schema is
// created on a full database and its indexes are populated in the background).
// @param seconds: integer, longest wait before the server gives up with an error (example: 600)
CALL db.awaitIndexes($seconds)
