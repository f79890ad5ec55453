"""Data files of the planning module (the plan schema)."""
