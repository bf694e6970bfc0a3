"""The patient's booking pages (the staff desk comes later in its own modules)."""
