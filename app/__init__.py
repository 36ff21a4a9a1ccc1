"""Segue's Qt GUI: windows, panels, widgets, the job runner, settings and icons."""
