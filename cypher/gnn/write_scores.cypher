// Store the GNN's mule score and the model version on each given account: two parallel lists
// (lists of numbers and strings travel much faster than a list of maps).
// @param ids: list, account ids (id_usuario) (example: ['U0000001', 'U0000002'])
// @param scores: list, the score of each account in ids, in the same order (example: [0.93, 0.02])
// @param model_version: string, version of the model that produced the scores (example: v20250701-120000-ab12cd34)
UNWIND range(0, size($ids) - 1) AS i
MATCH (a:Account {id_usuario: $ids[i]})
SET a.gnn_score = $scores[i], a.model_version = $model_version
