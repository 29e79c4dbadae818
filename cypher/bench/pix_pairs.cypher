// The size of the GNN features' GDS projection (`gnn.features.gds_features`: every Account
// and its PIX edges, aggregation SINGLE): accounts, PIX edges, and distinct directed account
// pairs (what the SINGLE aggregation keeps). bench/sizing.py feeds these to GDS's estimates.
MATCH (a:Account)
OPTIONAL MATCH (a)-[p:PIX]->(b:Account)
WITH a, count(p) AS edges, count(DISTINCT b) AS pairs
RETURN count(a) AS accounts, sum(edges) AS pix_edges, sum(pairs) AS pix_pairs
