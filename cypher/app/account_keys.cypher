// The Pix keys registered to an account's holder (CPF/CNPJ), with how often each received money.
// @param id_usuario: string, the account's id (example: U0000001)
MATCH (:Account {id_usuario: $id_usuario})-[:HELD_BY]->(:Holder)<-[:REGISTERED_TO]-(k:PixKey)
RETURN k.chave AS chave, k.tipo AS tipo, k.status AS status, k.data_cadastro AS registered,
       COUNT { (k)<-[:TO_KEY]-(:Transaction) } AS times_received,
       COUNT { (k)<-[:FROM_KEY]-(:Transaction) } AS times_sent
ORDER BY tipo, chave
