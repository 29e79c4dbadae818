"""The pinned versions of every server ringwatch assembles. Change them here only.

GDS 2.13.9 is built against Neo4j 5.26.24; another 5.26 patch fails at start-up with
NoSuchMethodError, so the two move together.
"""

NEO4J_VERSION = "5.26.24"
GDS_VERSION = "2.13.9"
KAFKA_VERSION = "4.1.1"
LOG4J_VERSION = "2.24.3"


def maven_properties() -> dict[str, str]:
    """Properties passed to the stack's POM files."""
    return {
        "neo4j.version": NEO4J_VERSION,
        "gds.version": GDS_VERSION,
        "kafka.version": KAFKA_VERSION,
        "log4j.version": LOG4J_VERSION,
    }
