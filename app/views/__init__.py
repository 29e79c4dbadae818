"""Page scripts run by app/main.py through st.navigation (not imported as modules)."""
