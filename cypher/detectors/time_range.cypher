// First and last PIX transfer time in the graph (the detectors' window ends at the last one).
MATCH ()-[p:PIX]->()
RETURN toString(min(p.timestamp)) AS first, toString(max(p.timestamp)) AS last,
       count(p) AS transfers
