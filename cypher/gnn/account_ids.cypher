// Every account's id: the node set of the GNN's account graph (exported once, in bulk).
MATCH (a:Account)
RETURN a.id_usuario AS id_usuario
