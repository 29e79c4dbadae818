// GDS memory estimate of weakly connected components (`gds.wcc.stream`) on a fictive graph of $nodes nodes and
// $relationships relationships of one type in $orientation, with one relationship property
// as the weight when $weighted: GDS's own figure for the projection plus the algorithm.
// bench/sizing.py sizes the projections ringwatch runs it on (docs/scaling.md).
// @param nodes: integer, nodes of the fictive graph (example: 20000)
// @param relationships: integer, relationships of the fictive graph (example: 26810)
// @param orientation: string, NATURAL or UNDIRECTED (example: UNDIRECTED)
// @param weighted: boolean, project and use a relationship weight (example: false)
// @param concurrency: integer, GDS threads (example: 2)
CALL gds.wcc.stream.estimate({
  nodeCount: $nodes, relationshipCount: $relationships, nodeProjection: '*',
  relationshipProjection: {R: {type: '*', orientation: $orientation, properties:
    CASE WHEN $weighted THEN {weight: {property: 'weight', defaultValue: 1.0}} ELSE {} END}}
}, {concurrency: $concurrency, relationshipWeightProperty: CASE WHEN $weighted THEN 'weight' END})
YIELD bytesMin, bytesMax, requiredMemory, mapView
RETURN bytesMin, bytesMax, requiredMemory, mapView
