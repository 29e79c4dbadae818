// Remove the :BenchRaw nodes the raw-write ceiling benchmark created, 10,000 per transaction.
// Run in an implicit transaction.
MATCH (n:BenchRaw)
CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS
