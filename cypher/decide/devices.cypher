// Devices registered for accounts, with their registration time (the device's, for a shared phone).
// ONE record: `devices`, a list of [id_usuario, id_dispositivo, registered], registered as ISO
// text (read much faster than a record per device with a temporal value).
MATCH (a:Account)-[:REGISTERED_DEVICE]->(d:Device)
WHERE d.data_registro IS NOT NULL
RETURN collect([a.id_usuario, d.id_dispositivo, toString(d.data_registro)]) AS devices
