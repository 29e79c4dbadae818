// Graph ceiling: create one label's distinct entity nodes with a plain UNWIND + CREATE (no
// MERGE, no lookup). Only bench/ingest.py runs it.
// @param label: string, node label (example: 'Account')
// @param rows: list, property maps of the nodes, as text (example: [{id_usuario: 'U0000001'}])
UNWIND $rows AS r
CREATE (n:$($label))
SET n = r
