// GDS memory estimate of projecting a fictive graph (`gds.graph.project.estimate`) of $nodes
// nodes and $relationships relationships of one type in $orientation, with one relationship
// property when $weighted; the peak of loading it or of holding it, whichever is larger.
// bench/sizing.py sizes the projections ringwatch builds with it (docs/scaling.md).
// @param nodes: integer, nodes of the fictive graph (example: 20000)
// @param relationships: integer, relationships of the fictive graph (example: 26810)
// @param orientation: string, NATURAL or UNDIRECTED (example: UNDIRECTED)
// @param weighted: boolean, project one relationship property (example: false)
CALL gds.graph.project.estimate('*', {R: {type: '*', orientation: $orientation, properties:
    CASE WHEN $weighted THEN {weight: {property: 'weight', defaultValue: 1.0}} ELSE {} END}},
  {nodeCount: $nodes, relationshipCount: $relationships})
YIELD bytesMin, bytesMax, requiredMemory, mapView
RETURN bytesMin, bytesMax, requiredMemory, mapView
