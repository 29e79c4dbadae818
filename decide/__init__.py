"""Real-time decisions on Pix transfers: declarative rules, in-memory state, alerts."""
