// Opening date and GNN score (when the GNN has scored it) of the given accounts.
// @param ids: list, account ids (example: ['U0000001', 'U0000002'])
UNWIND $ids AS id
MATCH (a:Account {id_usuario: id})
RETURN a.id_usuario AS account, toString(a.data_cadastro) AS opened, a.gnn_score AS gnn_score
