// Devices registered for accounts, with their registration time (the device's, for a shared phone).
MATCH (a:Account)-[:REGISTERED_DEVICE]->(d:Device)
WHERE d.data_registro IS NOT NULL
RETURN a.id_usuario AS id_usuario, d.id_dispositivo AS id_dispositivo, d.data_registro AS registered
