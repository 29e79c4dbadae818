// The latest transfer time in the graph: the engine's event-time "now" when it rebuilds its state.
MATCH (t:Transaction)
WHERE t.timestamp IS NOT NULL
RETURN t.timestamp AS now
ORDER BY t.timestamp DESC
LIMIT 1
