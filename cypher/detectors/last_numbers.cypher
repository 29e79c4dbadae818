// The highest ring and linked-cluster numbers any detection run handed out.
MATCH (r:DetectionRun)
RETURN coalesce(max(r.last_ring), 0) AS last_ring, coalesce(max(r.last_linked), 0) AS last_linked
