// Store the GNN's mule score and the model version on each given account.
// @param rows: list, maps {id_usuario, score} (example: [{id_usuario: 'U0000001', score: 0.93}])
// @param model_version: string, version of the model that produced the scores (example: v20250701-120000-ab12cd34)
UNWIND $rows AS r
MATCH (a:Account {id_usuario: r.id_usuario})
SET a.gnn_score = r.score, a.model_version = $model_version
