// Account ids in id order, a page at a time, as one list: the node set of the GNN's account
// graph. The range seek on the unique id gives the order without sorting every account.
// @param after: string, the last id of the previous page ('' for the first page) (example: U0000001)
// @param page: integer, most ids to return (example: 500000)
MATCH (a:Account)
WHERE a.id_usuario > $after
WITH a.id_usuario AS id
ORDER BY id
LIMIT $page
RETURN collect(id) AS ids
