// Delete every node and relationship, 2,000 nodes per transaction (small enough for a 1 GB heap) (Community has one user
// database, so there is no DROP DATABASE). Run in an implicit transaction.
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 2000 ROWS
