// GDS Cypher projection of accounts and the identifiers they share, undirected, for WCC over
// linked accounts. The pairs are those `detectors/identifiers` exported (hub identifiers
// above their kind's cap already left out), so GDS and the detectors see the same links.
// @param graph_name: string, name of the in-memory graph (example: ringwatch-linked)
// @param devices: list, [account id, device id] pairs (example: [['U0000001', 'D0000001']])
// @param ips: list, [account id, IP address] pairs (example: [['U0000001', '10.0.0.1']])
// @param phones: list, [account id, phone number] pairs (example: [['U0000001', '+5511987654321']])
// @param emails: list, [account id, e-mail address] pairs (example: [['U0000001', 'ana@x.com']])
CALL () {
  UNWIND $devices AS pair
  MATCH (a:Account {id_usuario: pair[0]}), (n:Device {id_dispositivo: pair[1]})
  RETURN a, n
  UNION ALL
  UNWIND $ips AS pair
  MATCH (a:Account {id_usuario: pair[0]}), (n:IP {address: pair[1]})
  RETURN a, n
  UNION ALL
  UNWIND $phones AS pair
  MATCH (a:Account {id_usuario: pair[0]}), (n:Phone {number: pair[1]})
  RETURN a, n
  UNION ALL
  UNWIND $emails AS pair
  MATCH (a:Account {id_usuario: pair[0]}), (n:Email {address: pair[1]})
  RETURN a, n
}
RETURN gds.graph.project($graph_name, a, n, {}, {undirectedRelationshipTypes: ['*']})
