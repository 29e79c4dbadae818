"""Planted mule rings: one function per typology, plus planning and planting."""
