// A cheap fingerprint of everything the GNN dataset is built from (counts from the count
// store, amount sums, latest times, label counts): the key of the on-disk dataset cache.
CALL () {
  MATCH (a:Account) RETURN 'accounts' AS item, toString(count(a)) AS value
  UNION ALL MATCH (h:Holder) RETURN 'holders' AS item, toString(count(h)) AS value
  UNION ALL MATCH (d:Device) RETURN 'devices' AS item, toString(count(d)) AS value
  UNION ALL MATCH (l:Login) RETURN 'logins' AS item, toString(count(l)) AS value
  UNION ALL MATCH (k:PixKey) RETURN 'keys' AS item, toString(count(k)) AS value
  UNION ALL MATCH ()-[r:REGISTERED_DEVICE]->() RETURN 'registered' AS item,
    toString(count(r)) AS value
  UNION ALL MATCH ()-[r:USED_DEVICE]->() RETURN 'used_device' AS item,
    toString(count(r)) AS value
  UNION ALL MATCH ()-[r:HELD_BY]->() RETURN 'held_by' AS item, toString(count(r)) AS value
  UNION ALL MATCH ()-[r:HAS_PHONE|HAS_EMAIL]->() RETURN 'contacts' AS item,
    toString(count(r)) AS value
  UNION ALL MATCH ()-[p:PIX]->() RETURN 'pix' AS item,
    toString(count(p)) + '/' + toString(round(sum(p.valor), 2)) + '/' + toString(max(p.timestamp))
      AS value
  UNION ALL MATCH (f:Fraud) RETURN 'fraud:' + coalesce(f.status, '') AS item,
    toString(count(f)) + '/' + toString(max(f.data_deteccao)) AS value
  UNION ALL MATCH (r:Ring)<-[:MEMBER_OF]-(a:Account) WHERE r.status = 'confirmed'
    RETURN 'confirmed_ring_members' AS item, toString(count(a)) AS value
  UNION ALL MATCH (d:Decision) RETURN 'decisions' AS item, toString(count(d)) AS value
}
RETURN item, value ORDER BY item
