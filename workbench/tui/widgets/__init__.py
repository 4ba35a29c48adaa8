"""Widgets of the workbench screen."""
