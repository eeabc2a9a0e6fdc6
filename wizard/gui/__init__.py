"""The PySide6 face of the wizard. Imports the core; the core never imports this."""
