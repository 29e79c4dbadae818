// Every account's GNN score and the model version that wrote it.
MATCH (a:Account)
WHERE a.gnn_score IS NOT NULL
RETURN a.id_usuario AS id_usuario, a.gnn_score AS gnn_score, a.model_version AS model_version
