// Delete every node and relationship, 1,000 nodes per transaction: the benchmark's reset
// between phases (smaller transactions than admin/reset_batch, so hub nodes with many
// relationships fit in a 1 GB heap). Run in an implicit transaction.
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS
