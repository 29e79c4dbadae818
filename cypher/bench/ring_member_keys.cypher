// Pix keys of members of open rings: receivers that the decision engine's ring rule blocks
// (bench/decide.py sends a share of its transfers to them).
// @param limit: integer, most keys returned (example: 2000)
MATCH (r:Ring {status: 'open'})<-[:MEMBER_OF]-(a:Account)-[:HELD_BY]->(:Holder)<-[:REGISTERED_TO]-(k:PixKey)
RETURN k.chave AS chave
ORDER BY chave
LIMIT $limit
