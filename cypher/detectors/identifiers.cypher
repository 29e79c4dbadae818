// Identifiers shared by several accounts, with the accounts holding each: login IPs, phones
// and e-mails (devices: `detectors/identifiers_devices`). Identifiers held by more accounts
// than their kind's cap are hubs (office IPs) and are left out; the walk from an IP stops at
// cap + 1 accounts, so a hub's thousands of logins are not all read.
// @param ip_cap: integer, most accounts a shared IP may link (example: 10)
// @param phone_cap: integer, most accounts a shared phone may link (example: 6)
// @param email_cap: integer, most accounts a shared e-mail may link (example: 6)
CALL () {
  MATCH (i:IP)
  CALL (i) {
    MATCH (i)<-[:FROM_IP]-(:Login)-[:BY]->(a:Account) RETURN DISTINCT a LIMIT $ip_cap + 1
  }
  WITH i, collect(a.id_usuario) AS accounts
  WHERE 2 <= size(accounts) <= $ip_cap
  RETURN 'ip' AS kind, i.address AS identifier, accounts
  UNION ALL
  MATCH (p:Phone)
  WITH p, COLLECT { MATCH (p)<-[:HAS_PHONE]-(a:Account) RETURN a.id_usuario } AS accounts
  WHERE 2 <= size(accounts) <= $phone_cap
  RETURN 'phone' AS kind, p.number AS identifier, accounts
  UNION ALL
  MATCH (e:Email)
  WITH e, COLLECT { MATCH (e)<-[:HAS_EMAIL]-(a:Account) RETURN a.id_usuario } AS accounts
  WHERE 2 <= size(accounts) <= $email_cap
  RETURN 'email' AS kind, e.address AS identifier, accounts
}
RETURN kind, identifier, accounts
