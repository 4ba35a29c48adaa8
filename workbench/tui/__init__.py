"""The Textual front end. It depends on the core; the core never imports it."""
