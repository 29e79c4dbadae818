"""ringwatch's local stack: Neo4j Community + open-source GDS + Kafka, assembled from pinned
Maven Central artifacts and run as plain Java processes (no Docker needed)."""
