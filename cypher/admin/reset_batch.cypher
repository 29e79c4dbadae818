// Delete every node and relationship, 10,000 nodes per transaction (Community has one user
// database, so there is no DROP DATABASE). Run in an implicit transaction.
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
