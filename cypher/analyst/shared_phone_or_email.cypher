// Other accounts registered with the same phone number or e-mail as an account (a family
// phone is common and innocent; many unrelated holders on one phone is not).
// @param id_usuario: string, the account (example: U0000001)
MATCH (a:Account {id_usuario: $id_usuario})-[:HAS_PHONE|HAS_EMAIL]->(x)<-[:HAS_PHONE|HAS_EMAIL]-(o:Account)
RETURN o.id_usuario AS other_account, collect(DISTINCT labels(x)[0]) AS shared
ORDER BY other_account
