// Devices shared by several accounts (registered on the device or logged in from it), with
// the accounts holding each. A device linked to more accounts than the cap is a hub (a shop
// tablet) and is left out; the walk from a device stops at cap + 1 accounts. Logins are not
// read: the loaders keep one USED_DEVICE relationship per account and device it logged in
// from. Detection runs it beside `detectors/identifiers` (IPs, phones and e-mails) on a
// second connection.
// @param device_cap: integer, most accounts a shared device may link (example: 20)
MATCH (d:Device)
CALL (d) {
  CALL (d) {
    MATCH (d)<-[:REGISTERED_DEVICE]-(a:Account) RETURN a
    UNION
    MATCH (d)<-[:USED_DEVICE]-(a:Account) RETURN a
  }
  RETURN a LIMIT $device_cap + 1
}
WITH d, collect(a.id_usuario) AS accounts
WHERE 2 <= size(accounts) <= $device_cap
RETURN 'device' AS kind, d.id_dispositivo AS identifier, accounts
